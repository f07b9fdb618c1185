"""What the ledger dashboard reads: the log's growth and checkpoint cadence per hour, how far
each witness has co-signed, and a check of the newest checkpoint against the stored tree.

Counted in SQL over the tenant's session (row-level security or the tenant filter scopes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.ledger.note import NoteError, open_checkpoint
from finbrain.platform.ledger.service import TenantLedger
from finbrain.platform.risk.queries import utc_hour
from finbrain.platform.store.models import LedgerCheckpoint, LedgerCosignature, LedgerWitness

RECENT_HOURS = 72


@dataclass(frozen=True)
class HourOfLog:
    hour: str  # UTC, ``YYYY-MM-DD HH``
    size: int  # the largest checkpoint signed in that hour
    checkpoints: int


@dataclass(frozen=True)
class WitnessProgress:
    name: str
    size: int  # the largest checkpoint it co-signed (0: none yet)
    at: datetime | None


@dataclass(frozen=True)
class LogCheck:
    """The newest checkpoint's signature and root, checked against the stored tree now."""

    size: int
    valid: bool
    problem: str = ""


def growth_per_hour(session: Session, *, hours: int = RECENT_HOURS) -> list[HourOfLog]:
    """Per UTC hour with checkpoints: the log size reached and how many were signed."""
    hour = utc_hour(session, LedgerCheckpoint.created_at)
    rows = session.execute(
        select(hour, func.max(LedgerCheckpoint.size), func.count())
        .where(LedgerCheckpoint.created_at >= utcnow() - timedelta(hours=hours))
        .group_by(hour)
        .order_by(hour)
    )
    return [HourOfLog(str(h), int(size), int(count)) for h, size, count in rows]


def witness_progress(session: Session) -> list[WitnessProgress]:
    """Every trusted witness with the largest checkpoint it has co-signed, newest first."""
    signed = dict(
        session.execute(
            select(LedgerCosignature.witness, func.max(LedgerCosignature.size)).group_by(
                LedgerCosignature.witness
            )
        ).all()
    )
    out: list[WitnessProgress] = []
    for witness in session.scalars(select(LedgerWitness).order_by(LedgerWitness.name)):
        size = int(signed.get(witness.name) or 0)
        at = (
            session.scalar(
                select(LedgerCosignature.created_at).where(
                    LedgerCosignature.witness == witness.name, LedgerCosignature.size == size
                )
            )
            if size
            else None
        )
        out.append(WitnessProgress(witness.name, size, at))
    return sorted(out, key=lambda w: -w.size)


def check_latest(ledger: TenantLedger) -> LogCheck | None:
    """Open the newest checkpoint with the log's key and compare its root with the root the
    stored tree gives at that size (None: nothing signed yet)."""
    latest = ledger.latest_checkpoint()
    if latest is None:
        return None
    try:
        checkpoint, _ = open_checkpoint(latest.note, ledger.verifier, ledger.origin)
    except NoteError as exc:
        return LogCheck(latest.size, False, str(exc))
    if checkpoint.size != latest.size:
        return LogCheck(latest.size, False, "size")
    if checkpoint.root != ledger.root(latest.size):
        return LogCheck(latest.size, False, "root")
    return LogCheck(latest.size, True)
