"""The assistant on the platform (智能客服): ``POST /v1/assistant/messages`` answers a customer's
message with the tenant's intent model and knowledge base, acting on the tenant's own customer
data (``bank``) only after a yes; each session's state is stored masked (``service``); every
decision of a turn goes on the ledger; a hand-off opens a ticket in the console queue
(``tickets``). The knowledge base is edited through the API and the console (``knowledge``);
the intent model is trained by the ``assistant.train`` job and stored in the registry
(``training``, ``artifact``); the reads are in ``queries``, the API in ``routes``, the console
(chat, knowledge-base editor, ticket queue) in ``pages``, the demo bank's set-up in ``demo``.
The library is ``finbrain.assistant``.

``CAPABILITY`` (what the assistant contributes to the platform, ``platform/capabilities.py``)
is made on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def capability() -> Capability:
    from finbrain.platform.assistant import pages, routes, training
    from finbrain.platform.capabilities import Capability

    return Capability(
        "assistant",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("assistant:chat", "assistant:manage"),
        jobs={"assistant.train": lambda job: training.training_work(job.db, job.tenant_id)},
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
