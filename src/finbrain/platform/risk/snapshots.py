"""Snapshots of a tenant's risk windows, built in another process from the event log.

A restart is the newest snapshot plus a replay of the log after it, so snapshots bound the
replay. Serialising the windows takes seconds at scale (measured: 0.5 s for 67k events of
handbook history, 3.1 s for 420k), and the engine's owner doing it would stall every scoring
request that long. But a snapshot is a pure function of the committed log — the windows after
replaying every event up to ``seq``, labels applied — so a separate process makes it: a
follower restores the newest snapshot once, then replays the log as it is committed and stores
a snapshot every ``risk_snapshot_every`` events. The live engine never waits, and a follower
that dies loses nothing (the log is the truth; the server starts another). A follower rather
than a process per snapshot: each fresh builder paid for its start and for restoring the last
snapshot again (1.9 s of its 4.3 s at 60k events, measured).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from multiprocessing.process import BaseProcess

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.memory import collector_paused
from finbrain.core.settings import Settings
from finbrain.platform.risk.tables import RiskEvent, RiskLabel, RiskSnapshot
from finbrain.platform.store.database import Database
from finbrain.risk.events import Event, parse_event
from finbrain.risk.features import extended_feature_set
from finbrain.risk.windows import OnlineWindows

log = logging.getLogger(__name__)
KEEP = 3  # snapshots kept per tenant: older ones can never be the restart point
PAGE = 5000  # log rows replayed at a time, so a long log never sits in memory at once
FOLLOW_PAUSE = 1.0  # seconds the follower waits when it has caught up with the log


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
) -> int:
    """Feed the log's events after ``after`` to ``apply`` in log order, then every stored label
    to ``label``; returns how many events were replayed."""
    seq, replayed = after, 0
    with collector_paused():
        while True:
            events, seq = log_page(session, seq)
            if not events:
                break
            apply(events)
            replayed += len(events)
        apply_labels(session, label)
    return replayed


def store(session: Session, tenant_id: str, seq: int, digest: str, blob: bytes) -> None:
    """Save a snapshot taken after ``seq`` and drop all but the newest ``KEEP``."""
    if session.get(RiskSnapshot, (tenant_id, seq)) is not None:
        return  # the state after this event is saved already
    session.add(RiskSnapshot(tenant_id=tenant_id, seq=seq, features_digest=digest, state=blob))
    session.flush()
    old = session.scalars(select(RiskSnapshot).order_by(RiskSnapshot.seq.desc()).offset(KEEP))
    for row in old.all():
        session.delete(row)


class Follower:
    """A copy of a tenant's windows kept up to date from the committed log, for snapshots.

    It restores the newest snapshot once, then replays each page of the log as it is committed
    (a short read transaction per page: a read held for long would stop SQLite from
    checkpointing its write-ahead log, and the server's commits would pay for the grown log).
    A snapshot is its windows after every event up to ``seq`` with every stored label applied:
    the same pure function of the log the live engine's windows are (tested byte for byte).
    """

    def __init__(self, settings: Settings, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.features = extended_feature_set()
        self.db = Database(settings)
        with self.db.tenant(tenant_id, write=False) as session:
            snap = latest(session, self.features.digest)
            state, self.seq = (snap.state, snap.seq) if snap is not None else (None, 0)
        # The live engine's skew: it sets the buffers' horizon, so the windows stay the same.
        skew = timedelta(seconds=settings.risk_max_clock_skew_seconds)
        self.windows = (
            OnlineWindows.restore(self.features, state, max_clock_skew=skew)
            if state
            else OnlineWindows(self.features, max_clock_skew=skew)
        )
        self.pending = 0  # events replayed since the last snapshot this follower stored

    def catch_up(self, upto: int | None = None, pages: int | None = None) -> int:
        """Replay the log after ``seq`` (up to ``upto``, at most ``pages`` pages); returns how
        many events were replayed."""
        replayed = 0
        with collector_paused():
            while pages is None or pages > 0:
                with self.db.tenant(self.tenant_id, write=False) as session:
                    events, self.seq = log_page(session, self.seq, upto)
                if not events:
                    break
                for event in events:
                    self.windows.update_row(event, admitted=True)  # the log: admitted before
                replayed += len(events)
                if pages is not None:
                    pages -= 1
        self.pending += replayed
        return replayed

    def snapshot(self) -> int:
        """Apply the stored labels and store the windows as the snapshot at ``seq``."""
        began = time.perf_counter()
        with self.db.tenant(self.tenant_id, write=False) as session:
            apply_labels(session, self.windows.label)
        blob = self.windows.snapshot()
        with self.db.tenant(self.tenant_id) as session:
            store(session, self.tenant_id, self.seq, self.features.digest, blob)
        log.info(
            "risk snapshot of %s at seq %d: %d events since the last, %.1f MB in %.2f s",
            self.tenant_id,
            self.seq,
            self.pending,
            len(blob) / 1e6,
            time.perf_counter() - began,
        )
        self.pending = 0
        return self.seq

    def close(self) -> None:
        self.db.dispose()


def build(settings: Settings, tenant_id: str) -> int | None:
    """Build and store one snapshot of the tenant's windows from the committed log; returns
    its seq, or None when the log has nothing after the newest snapshot."""
    follower = Follower(settings, tenant_id)
    try:
        with follower.db.tenant(tenant_id, write=False) as session:
            # Up to the log's end as it is now: a busy tenant's log grows while we replay.
            end = session.scalar(select(func.max(RiskEvent.seq))) or 0
        if not follower.catch_up(upto=end):
            return None
        return follower.snapshot()
    finally:
        follower.close()


def _idle_priority() -> None:
    """Below everything else in the scheduler: the follower runs on CPU nobody else wants.

    Snapshots cost CPU (replay and serialise: seconds per 20,000 events at scale, measured); a
    builder at nice 10 still took a tenth of a core from a saturated scoring server, which
    showed as tail latency. Linux's idle class gives it only what would otherwise be idle time.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux: the lowest nice value there is
        if hasattr(os, "nice"):
            os.nice(19)


def follow(settings: Settings, tenant_id: str, parent: int) -> None:
    """The follower process's main: keep up with the log, store a snapshot every
    ``risk_snapshot_every`` events, and end when the server that started it is gone."""
    _idle_priority()
    logging.basicConfig(level=settings.log_level)
    follower = Follower(settings, tenant_id)
    gc.collect()
    gc.freeze()  # the restored windows live on: keep them out of the collector's walks
    try:
        while True:
            replayed = follower.catch_up(pages=1)
            if follower.pending >= settings.risk_snapshot_every:
                follower.snapshot()
                gc.collect()
                gc.freeze()
            if os.getppid() != parent:
                break  # the server is gone (killed, even): the snapshot that was due is stored
            if not replayed:
                time.sleep(FOLLOW_PAUSE)
    finally:
        follower.close()


def start_follower(settings: Settings, tenant_id: str) -> BaseProcess:
    """Start the tenant's snapshot follower in a fresh process (spawned: no copy of the
    server's threads or connections); the caller checks ``is_alive()`` before another."""
    process = multiprocessing.get_context("spawn").Process(
        target=follow,
        args=(settings, tenant_id, os.getpid()),
        name=f"risk-snapshot-{tenant_id[-6:]}",
        daemon=True,
    )
    process.start()
    return process
