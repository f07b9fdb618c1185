"""Identity on the platform: validate numbers, screen names against the sanctions lists, keep
screened customers so that a new list version re-screens them. Screenings are decisions on the
ledger: a bank can prove later which list version cleared a customer.

The sanctions index is shared by every tenant (the lists are public). It is built from the lists
(the data directory's copies, else the ones bundled with finbrain) once per list version and
code, saved under ``FINBRAIN_HOME/cache`` and loaded by every later process (the API at start,
``finbrain screen``, the demo); it is warmed in the background when the API starts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from finbrain.core.decision import Decision, utcnow
from finbrain.core.errors import DatasetError, FinbrainError, ServiceUnavailableError
from finbrain.core.settings import Settings
from finbrain.datasets.bundle import source_digest
from finbrain.identity import lists, screening
from finbrain.identity.decision import ScreeningQuery, decide, hit_json
from finbrain.identity.screening import (
    AllowDecision,
    SanctionsIndex,
    ScreeningPolicy,
    ScreeningResult,
)
from finbrain.platform import decisions
from finbrain.platform.identity import allows
from finbrain.platform.identity.tables import ScreenedCustomer
from finbrain.platform.tenancy import Caller

log = logging.getLogger(__name__)
LIST_IDS = ("ofac_sdn", "uk_fcdo", "un")

_lock = threading.Lock()
_indexes: dict[str, SanctionsIndex] = {}


_CACHE_FORMAT = b"finbrain sanctions index cache 1\n"


def index_cache_path(settings: Settings) -> Path:
    """Where the index of the current lists and code is saved: the name is a digest of every
    source file's pinned SHA-256 and of the code that reads the lists and prepares the names,
    so a new list file or a new matcher gives a new file (never a stale index)."""
    digest = hashlib.sha256(_CACHE_FORMAT)
    for list_id in LIST_IDS:
        for relpath in lists.LIST_FILES[list_id]:
            digest.update(f"{list_id}\t{relpath}\t{source_digest(relpath)}\n".encode())
    for module in (lists, screening):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(screening._names_digest().encode())
    return settings.home / "cache" / f"sanctions-index-{digest.hexdigest()[:24]}.json.gz"


def _load_saved(path: Path) -> SanctionsIndex | None:
    if not path.is_file():
        return None
    try:
        return SanctionsIndex.load(path)
    except (FinbrainError, OSError, EOFError, ValueError, KeyError, TypeError, IndexError):
        log.warning("saved sanctions index %s is unreadable: rebuilding it", path, exc_info=True)
        return None


def _save(index: SanctionsIndex, path: Path) -> None:
    """Keep the index for later processes (best effort: a read-only home only costs time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of this process's own: two processes saving at once never mix their bytes.
        mine = index.save(path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}"))
        mine.replace(path)
        for old in path.parent.glob("sanctions-index-*.json.gz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        log.warning("could not save the sanctions index to %s", path, exc_info=True)


def screening_index(settings: Settings) -> SanctionsIndex:
    """The OFAC + UK + UN index: from memory, else the saved file, else built (and saved)."""
    key = str(Path(settings.data_dir).resolve()) if settings.data_dir else ""
    index = _indexes.get(key)
    if index is not None:
        return index
    with _lock:
        index = _indexes.get(key)
        if index is None:
            try:
                path = index_cache_path(settings)
                index = _load_saved(path)
                if index is None:
                    index = SanctionsIndex.build(lists.load_lists(LIST_IDS))
                    _save(index, path)
                    log.info("sanctions index built: version %s", index.version[:12])
            except DatasetError as exc:
                raise ServiceUnavailableError(
                    "the sanctions lists are neither in the data directory nor bundled",
                    field="data_dir",
                    rule="sanctions_lists_present",
                ) from exc
            _indexes[key] = index
    return index


def warm(settings: Settings) -> threading.Thread:
    """Build the index in the background so the first screening does not wait for it."""

    def run() -> None:
        try:
            screening_index(settings)
        except Exception:  # reported when a screening asks for it
            log.warning("sanctions index could not be built in the background", exc_info=True)

    thread = threading.Thread(target=run, name="sanctions-index", daemon=True)
    thread.start()
    return thread


def list_versions(index: SanctionsIndex) -> list[dict[str, Any]]:
    return [
        {
            "list_id": lst.list_id,
            "version": lst.version,
            "published": lst.published,
            "entries": len(lst.entries),
        }
        for lst in index.lists
    ]


def screening_decision(tenant_id: str, query: ScreeningQuery, result: ScreeningResult) -> Decision:
    """The library's decision (``finbrain.identity.decision``), stamped with the tenant."""
    return decide(query, result).for_tenant(tenant_id)


def screen(
    session: Session,
    settings: Settings,
    caller: Caller,
    query: ScreeningQuery,
    *,
    threshold: float = 0.80,
) -> tuple[Decision, ScreeningResult]:
    """Screen one name; record the decision; remember the customer for re-screening."""
    result = screen_query(session, settings, screening_index(settings), query, threshold)
    decision = decisions.record(
        session,
        screening_decision(caller.tenant_id, query, result),
        settings=settings,
        caller=caller,
    )
    if query.customer_id:
        _remember(session, caller.tenant_id, query, result)
    return decision, result


def screen_query(
    session: Session,
    settings: Settings,
    index: SanctionsIndex,
    query: ScreeningQuery,
    threshold: float = 0.80,
) -> ScreeningResult:
    """The tenant's screening of ``query``: under the configured outcome policy, with the allow
    decisions its people recorded for the hits (looked up only when there are hits, which is
    rare; the index then screens again with them, so the name rules decide as everywhere)."""
    policy = ScreeningPolicy(mode=settings.screening_policy)

    def run(allow: tuple[AllowDecision, ...] = ()) -> ScreeningResult:
        return index.screen(
            query.name,
            kind=query.kind,
            birth_date=query.birth_date,
            nationality=query.nationality,
            id_number=query.id_number,
            threshold=threshold,
            policy=policy,
            allow=allow,
        )

    result = run()
    if result.hits:
        recorded = allows.for_hits(session, [(h.list_id, h.entry_id) for h in result.hits])
        if recorded:
            result = run(recorded)
    return result


def _remember(
    session: Session, tenant_id: str, query: ScreeningQuery, result: ScreeningResult
) -> None:
    row = session.get(ScreenedCustomer, (tenant_id, query.customer_id))
    if row is None:
        row = ScreenedCustomer(tenant_id=tenant_id, customer_id=query.customer_id)
        session.add(row)
    row.name = query.name
    row.kind = query.kind
    row.birth_date = query.birth_date.isoformat() if query.birth_date else None
    row.nationality = query.nationality
    row.list_version = result.list_version
    row.outcome = result.outcome
    row.best_score = max((hit.score for hit in result.hits), default=0.0)
    row.hits = [hit_json(hit) for hit in result.hits]
    row.updated_at = utcnow()
    session.flush()


@dataclass(frozen=True)
class RescreenChange:
    customer_id: str
    before: str
    after: str
    decision_id: str


def rescreen(
    session: Session,
    settings: Settings,
    caller: Caller,
    *,
    threshold: float = 0.80,
) -> tuple[str, int, list[RescreenChange]]:
    """Screen again every remembered customer last screened against another list version.

    A customer whose outcome or hits changed gets a new screening decision on the ledger (the
    evidence that the bank acted on the new list); the others are only marked as current.
    Returns (list version, customers re-screened, changes).
    """
    from sqlalchemy import select

    index = screening_index(settings)
    stale = session.scalars(
        select(ScreenedCustomer).where(ScreenedCustomer.list_version != index.version)
    ).all()
    changes: list[RescreenChange] = []
    for row in stale:
        query = ScreeningQuery(
            name=row.name,
            kind=row.kind,  # type: ignore[arg-type]
            birth_date=date.fromisoformat(row.birth_date) if row.birth_date else None,
            nationality=row.nationality,
            customer_id=row.customer_id,
        )
        result = screen_query(session, settings, index, query, threshold)
        before_hits = {(h["list_id"], h["entry_id"]) for h in row.hits}
        after_hits = {(h.list_id, h.entry_id) for h in result.hits}
        before = row.outcome
        if result.outcome != before or after_hits != before_hits:
            decision = decisions.record(
                session,
                screening_decision(caller.tenant_id, query, result),
                settings=settings,
                caller=caller,
            )
            changes.append(RescreenChange(row.customer_id, before, result.outcome, decision.id))
        _remember(session, caller.tenant_id, query, result)
    return index.version, len(stale), changes
