"""Snapshots of a tenant's risk windows, built in another process from the event log.

A restart is the newest snapshot plus a replay of the log after it, so snapshots bound the
replay. Serialising the windows takes seconds at scale (measured: 0.5 s for 67k events of
handbook history, 3.1 s for 420k), and the engine's owner doing it would stall every scoring
request that long. But a snapshot is a pure function of the committed log — the windows after
replaying every event up to ``seq``, labels applied — so a separate process builds it: it
restores the newest snapshot, replays the log after it, applies the labels and stores the new
one. The live engine never waits, and a builder that dies loses nothing (the log is the truth).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.settings import Settings
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import RiskEvent, RiskLabel, RiskSnapshot
from finbrain.risk.events import Event, parse_event
from finbrain.risk.features import extended_feature_set
from finbrain.risk.windows import OnlineWindows

log = logging.getLogger(__name__)
KEEP = 3  # snapshots kept per tenant: older ones can never be the restart point
PAGE = 5000  # log rows replayed at a time, so a long log never sits in memory at once


def latest(session: Session, digest: str) -> RiskSnapshot | None:
    """The newest snapshot of windows with this feature-set digest."""
    return session.scalar(
        select(RiskSnapshot)
        .where(RiskSnapshot.features_digest == digest)
        .order_by(RiskSnapshot.seq.desc())
        .limit(1)
    )


def log_page(session: Session, after: int, upto: int | None = None) -> tuple[list[Event], int]:
    """The next page of logged events after ``after`` (up to ``upto``) and the last seq read."""
    query = select(RiskEvent).where(RiskEvent.seq > after)
    if upto is not None:
        query = query.where(RiskEvent.seq <= upto)
    rows = session.scalars(query.order_by(RiskEvent.seq).limit(PAGE)).all()
    return [parse_event(row.body["event"]) for row in rows], (rows[-1].seq if rows else after)


def apply_labels(session: Session, label: Callable[[str, bool], object]) -> None:
    for event_id, is_fraud in session.execute(select(RiskLabel.event_id, RiskLabel.is_fraud)):
        label(event_id, bool(is_fraud))


def replay_log(
    session: Session,
    after: int,
    apply: Callable[[Sequence[Event]], None],
    label: Callable[[str, bool], object],
) -> tuple[int, int]:
    """Feed the log's events after ``after`` to ``apply`` in log order, then every stored label
    to ``label``; returns (last seq, events replayed)."""
    seq, replayed = after, 0
    while True:
        events, seq = log_page(session, seq)
        if not events:
            break
        apply(events)
        replayed += len(events)
    apply_labels(session, label)
    return seq, replayed


def store(session: Session, tenant_id: str, seq: int, digest: str, blob: bytes) -> None:
    """Save a snapshot taken after ``seq`` and drop all but the newest ``KEEP``."""
    if session.get(RiskSnapshot, (tenant_id, seq)) is not None:
        return  # the state after this event is saved already
    session.add(RiskSnapshot(tenant_id=tenant_id, seq=seq, features_digest=digest, state=blob))
    session.flush()
    old = session.scalars(select(RiskSnapshot).order_by(RiskSnapshot.seq.desc()).offset(KEEP))
    for row in old.all():
        session.delete(row)


def build(settings: Settings, tenant_id: str) -> int | None:
    """Build and store one snapshot of the tenant's windows from the committed log; returns
    its seq, or None when the log has nothing after the newest snapshot.

    Reads are short transactions (one per page of the log): a read transaction held for the
    whole build would stop SQLite from checkpointing its write-ahead log meanwhile, and the
    server's next commits would then pay for the grown log.
    """
    features = extended_feature_set()
    db = Database(settings)
    began = time.perf_counter()
    try:
        with db.tenant(tenant_id, write=False) as session:
            snap = latest(session, features.digest)
            state, start = (snap.state, snap.seq) if snap is not None else (None, 0)
            # Up to the log's end as it is now: a busy tenant's log grows while we replay.
            end = session.scalar(select(func.max(RiskEvent.seq))) or 0
        windows = OnlineWindows.restore(features, state) if state else OnlineWindows(features)
        restored = time.perf_counter()

        def apply(events: Sequence[Event]) -> None:
            for event in events:
                windows.update_row(event)

        seq, replayed = start, 0
        while True:  # a transaction per page (PostgreSQL's tenant scope is per transaction)
            with db.tenant(tenant_id, write=False) as session:
                events, seq = log_page(session, seq, end)
            if not events:
                break
            apply(events)
            replayed += len(events)
        with db.tenant(tenant_id, write=False) as session:
            apply_labels(session, windows.label)
        if not replayed:
            return None
        replayed_at = time.perf_counter()
        blob = windows.snapshot()
        serialised = time.perf_counter()
        with db.tenant(tenant_id) as session:
            store(session, tenant_id, seq, features.digest, blob)
        log.info(
            "risk snapshot of %s at seq %d: %d events replayed, %.1f MB; restore %.2f s, "
            "replay %.2f s, serialise %.2f s, store %.2f s",
            tenant_id,
            seq,
            replayed,
            len(blob) / 1e6,
            restored - began,
            replayed_at - restored,
            serialised - replayed_at,
            time.perf_counter() - serialised,
        )
        return seq
    finally:
        db.dispose()


def _idle_priority() -> None:
    """Below everything else in the scheduler: the build runs on CPU nobody else wants.

    A build costs seconds of CPU (restore, replay, serialise: 4 s at 60k events, measured); at
    nice 10 it still took a tenth of a core from a saturated scoring server, which showed as
    tail latency. Linux's idle class gives it only what would otherwise be idle time.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux: the lowest nice value there is
        if hasattr(os, "nice"):
            os.nice(19)


def _run(settings: Settings, tenant_id: str) -> None:
    _idle_priority()
    gc.disable()  # a short-lived process: reference counting frees enough, no collector pauses
    logging.basicConfig(level=settings.log_level)
    build(settings, tenant_id)


def start_builder(settings: Settings, tenant_id: str) -> BaseProcess:
    """Build a snapshot in a fresh process (spawned: no copy of the server's threads or
    connections); the caller checks ``is_alive()`` before starting another."""
    process = multiprocessing.get_context("spawn").Process(
        target=_run, args=(settings, tenant_id), name=f"risk-snapshot-{tenant_id[-6:]}", daemon=True
    )
    process.start()
    return process
