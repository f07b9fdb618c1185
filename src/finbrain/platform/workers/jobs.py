"""Background jobs: recorded in the database first, then run off the request thread.

A job row is committed with the request that asks for it, so it is never lost; the work runs
after the response (one at a time per process, training is CPU-bound on 2 cores) and writes its
progress in short transactions a client can poll. A job still "running" when its process died
is marked failed at the next start, never left hanging.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import BackgroundTasks
from sqlalchemy import select, update

from finbrain.core.decision import new_id, utcnow
from finbrain.core.errors import FinbrainError, NotFoundError
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import Job

log = logging.getLogger(__name__)
_serial = threading.Lock()
Progress = Callable[[int, str], None]
Work = Callable[[dict[str, Any], Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobContext:
    """What a job's work is made with: the database, the tenant it runs for, and the app's
    state (``state.risk`` for work that must reach a live engine once it has committed)."""

    db: Database
    tenant_id: str
    state: Any


JobFactory = Callable[[JobContext], Work]
"""A kind of job a capability contributes (``Capability.jobs``): its work, for one tenant."""


def start(
    session: Any,
    background: BackgroundTasks,
    state: Any,
    tenant_id: str,
    kind: str,
    params: dict[str, Any],
) -> Job:
    """Record a job of ``kind`` in the request's transaction and run it after the response
    (so after the commit: the job row exists before its work starts)."""
    from finbrain.platform.capabilities import job_kinds

    factory = job_kinds()[kind]  # a KeyError is a programming error: kinds are fixed
    job = create(session, tenant_id, kind, params)
    work = factory(JobContext(state.db, tenant_id, state))
    background.add_task(run, state.db, tenant_id, job.id, work)
    return job


def create(session: Any, tenant_id: str, kind: str, params: dict[str, Any]) -> Job:
    job = Job(
        id=new_id(),
        tenant_id=tenant_id,
        kind=kind,
        status="queued",
        progress=0,
        message="",
        params=params,
        result=None,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def get(session: Any, job_id: str) -> Job:
    job: Job | None = session.get(Job, job_id)
    if job is None or job.tenant_id != session.info.get("tenant_id"):
        raise NotFoundError(kind="job")
    return job


def _set(db: Database, tenant_id: str, job_id: str, **values: Any) -> None:
    with db.tenant(tenant_id) as session:
        session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))


def run(
    db: Database,
    tenant_id: str,
    job_id: str,
    work: Work,
) -> None:
    """Run ``work(params, progress)`` for a queued job, recording every step."""
    with _serial:
        with db.tenant(tenant_id, write=False) as session:
            params = dict(get(session, job_id).params)
        _set(db, tenant_id, job_id, status="running", progress=1, message="started")

        def progress(percent: int, message: str) -> None:
            _set(db, tenant_id, job_id, progress=max(1, min(99, percent)), message=message)

        try:
            result = work(params, progress)
        except FinbrainError as exc:
            _set(db, tenant_id, job_id, status="failed", message=f"{exc.code}: {exc}")
            return
        except Exception as exc:  # recorded for the client; details stay in the server log
            log.exception("job %s failed", job_id)
            _set(db, tenant_id, job_id, status="failed", message=type(exc).__name__)
            return
        _set(db, tenant_id, job_id, status="succeeded", progress=100, message="done", result=result)


def fail_interrupted(db: Database) -> int:
    """At start-up: jobs left running by a dead process are failed, visibly."""
    from finbrain.platform.store.models import Tenant

    with db.platform(write=False) as session:
        tenants = list(session.scalars(select(Tenant.id)))
    count = 0
    for tenant_id in tenants:
        with db.tenant(tenant_id) as session:
            result = session.execute(
                update(Job)
                .where(Job.status.in_(("running", "queued")))
                .values(status="failed", message="interrupted by a restart", updated_at=utcnow())
            )
            count += int(getattr(result, "rowcount", 0) or 0)
    return count
