"""The ledger on the platform: each tenant's append-only Merkle log of decisions, its signed
checkpoints, witnesses and proofs (``service``, ``hashes``), the auditor's check of a whole
log (``audit``) and the ``/v1/ledger`` API (``routes``).

The service's names (``TenantLedger``, ``try_lock_head``, ``checkpoint_due_logs`` …) and
``CAPABILITY`` (what the ledger contributes to the platform, ``platform/capabilities.py``) are
imported on first use, so ``from finbrain.platform.ledger import TenantLedger`` works as it
always has.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.ledger.hashes import DatabaseHashStore as DatabaseHashStore
    from finbrain.platform.ledger.hashes import LedgerIntegrityError as LedgerIntegrityError
    from finbrain.platform.ledger.hashes import frontier as frontier
    from finbrain.platform.ledger.service import CHECKPOINT_INTERVAL as CHECKPOINT_INTERVAL
    from finbrain.platform.ledger.service import CHECKPOINTS as CHECKPOINTS
    from finbrain.platform.ledger.service import HEADS as HEADS
    from finbrain.platform.ledger.service import LEAVES as LEAVES
    from finbrain.platform.ledger.service import MAX_ENTRIES_PAGE as MAX_ENTRIES_PAGE
    from finbrain.platform.ledger.service import NODES as NODES
    from finbrain.platform.ledger.service import Appended as Appended
    from finbrain.platform.ledger.service import TenantLedger as TenantLedger
    from finbrain.platform.ledger.service import b64 as b64
    from finbrain.platform.ledger.service import checkpoint_due_logs as checkpoint_due_logs
    from finbrain.platform.ledger.service import origin_of as origin_of
    from finbrain.platform.ledger.service import tenant_signer as tenant_signer
    from finbrain.platform.ledger.service import try_lock_head as try_lock_head

    CAPABILITY: Capability

_EXPORTS = {
    "DatabaseHashStore": ".hashes",
    "frontier": ".hashes",
    "LedgerIntegrityError": ".hashes",
    **dict.fromkeys(
        (
            "CHECKPOINT_INTERVAL",
            "CHECKPOINTS",
            "HEADS",
            "LEAVES",
            "MAX_ENTRIES_PAGE",
            "NODES",
            "Appended",
            "TenantLedger",
            "b64",
            "checkpoint_due_logs",
            "origin_of",
            "tenant_signer",
            "try_lock_head",
        ),
        ".service",
    ),
}
__all__ = ["CAPABILITY", *_EXPORTS]


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.ledger import pages, routes

    return Capability(
        "ledger",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("ledger:read", "ledger:witness"),
    )


def __getattr__(name: str) -> Any:
    """``CAPABILITY``, and the public names of ``service`` and ``hashes``."""
    if name == "CAPABILITY":
        value: Any = capability()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once made, a plain attribute
    return value
