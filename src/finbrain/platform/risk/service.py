"""Risk on the platform as its routes, pages, jobs and commands call it: the hub of every
tenant's live engine in this process, and the functions of the risk modules.

One concept per module: ``writer`` (the group commit, one engine per tenant), ``log`` (the
event log each group appends to and the answers), ``engine`` (loading: snapshot + replay),
``snapshots`` (built by a follower process), ``cases`` (alerts, cases, labels), ``rules``
(versions, backtests), ``training`` (models on the tenant's own log), ``lane`` (the fast lane
of the scoring endpoint), ``routes``, ``pages`` and ``tables``.
"""

from __future__ import annotations

import logging
import threading

from finbrain.core.settings import Settings
from finbrain.platform.risk.cases import (
    assign,
    case_or_404,
    close,
    comment,
    feed_labels,
    note,
    open_alert,
    store_labels,
)
from finbrain.platform.risk.log import (
    EVENTS,
    SAME_BODY,
    Answer,
    _Work,
    to_decision,
)
from finbrain.platform.risk.rules import (
    backtest,
    current_rules,
    default_rules,
    history_frame,
    publish_rules,
)
from finbrain.platform.risk.training import (
    MIN_TRAINING_FRAUDS,
    log_frame,
    register_model,
    train_model,
    training_work,
)
from finbrain.platform.risk.writer import DECIDE_WAIT, MAX_GROUP, TenantRisk
from finbrain.platform.store.database import Database
from finbrain.risk.decision import event_json, subject_of
from finbrain.risk.events import Event

__all__ = [
    "DECIDE_WAIT",
    "EVENTS",
    "MAX_GROUP",
    "MIN_TRAINING_FRAUDS",
    "SAME_BODY",
    "Answer",
    "Event",
    "RiskHub",
    "TenantRisk",
    "_Work",
    "assign",
    "backtest",
    "case_or_404",
    "close",
    "comment",
    "current_rules",
    "default_rules",
    "event_json",
    "feed_labels",
    "history_frame",
    "log_frame",
    "note",
    "open_alert",
    "publish_rules",
    "register_model",
    "store_labels",
    "subject_of",
    "to_decision",
    "train_model",
    "training_work",
]

log = logging.getLogger(__name__)


# -- the hub: every tenant's engine of this process ---------------------------------------------
class RiskHub:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._tenants: dict[str, TenantRisk] = {}
        self._lock = threading.Lock()

    def tenant(self, tenant_id: str) -> TenantRisk:
        found = self._tenants.get(tenant_id)
        if found is None:
            with self._lock:
                found = self._tenants.get(tenant_id)
                if found is None:
                    found = TenantRisk(self.db, self.settings, tenant_id)
                    self._tenants[tenant_id] = found
        return found

    def stop(self) -> None:
        for tenant in list(self._tenants.values()):
            try:
                tenant.call(lambda t: t.snapshot() if t._since_snapshot else None, timeout=30)
            except Exception:
                log.warning("final risk snapshot failed", exc_info=True)
            tenant.stop()
