"""Public names of a package, imported on first use (PEP 562).

A capability package re-exports its public classes and functions from its ``__init__.py`` with
``__all__``; where they pull in heavy libraries (pandas, scikit-learn, LightGBM), importing the
package must not: ``finbrain``'s commands start without them. ``lazy_exports`` gives the
package's ``__getattr__`` and ``__dir__`` from a map of public name -> defining module.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing's: this module is imported where typing may not be yet
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose public names live in submodules
    (``exports``: name -> module, relative with a leading dot or absolute)."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # once imported, a plain attribute
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
