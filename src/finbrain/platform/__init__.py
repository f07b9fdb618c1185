"""The platform: the multi-tenant service over the capability libraries (API, console, store).

Importing it adds every capability's UI texts to the message catalogue: ``messages/`` here
(the kernel's and the console shell's) and ``<capability>/messages/`` beside each capability.
"""

from __future__ import annotations

from importlib import resources

from finbrain.core.i18n import add_catalogues


def _catalogues() -> None:
    here = resources.files(__name__)
    folders = [here / "messages"]
    folders += sorted(
        (entry / "messages" for entry in here.iterdir() if (entry / "messages").is_dir()),
        key=str,
    )
    add_catalogues(*folders)


_catalogues()
