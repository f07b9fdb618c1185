"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from finbrain.platform.api.schemas import Health
from finbrain.platform.store.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up (no dependency is checked)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers and its schema is at the current migration."""
    checks: dict[str, str] = {}
    db = request.app.state.db
    try:
        await run_in_threadpool(db.ping)
        current = await run_in_threadpool(current_revision, db.settings)
        head = head_revision(db.settings)
        checks["database"] = "ok" if current == head else f"schema {current} != {head}"
    except Exception as exc:  # any failure means not ready; the reason is the check's value
        checks["database"] = f"error: {type(exc).__name__}"
    redis = getattr(request.app.state, "redis", None)
    if redis is not None:
        try:
            await run_in_threadpool(redis.ping)
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
