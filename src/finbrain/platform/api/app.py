"""The platform application: API under /v1, the console, health probes, OpenAPI at /docs."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from finbrain import __version__
from finbrain.core.errors import FinbrainError
from finbrain.core.i18n import LANGUAGES, message
from finbrain.core.settings import Settings, get_settings
from finbrain.platform.api import problems
from finbrain.platform.api.admission import Admission
from finbrain.platform.api.middleware import (
    BodyLimitMiddleware,
    JsonContentTypeMiddleware,
    RequestIdMiddleware,
)
from finbrain.platform.capabilities import api_routers
from finbrain.platform.ledger import checkpoint_due_logs
from finbrain.platform.ratelimit import MemoryRateLimiter, RedisRateLimiter
from finbrain.platform.risk.lane import ScoringLane
from finbrain.platform.risk.service import RiskHub
from finbrain.platform.store.database import Database
from finbrain.platform.workers.jobs import fail_interrupted

log = logging.getLogger("finbrain.api")

DESCRIPTION = """
finbrain (金融大脑): every automated decision explained (zh + en) and verifiably logged.

Authenticate with `Authorization: Bearer <key>`: a tenant key (`fbk_…`) for a bank's own data,
the operator key (`fbo_…`) for managing tenants. Errors are RFC 9457 problem+json naming the
field and the rule; POSTs accept `Idempotency-Key`; every response carries `X-Request-ID`.
"""


async def _checkpoint_ticker(db: Database) -> None:
    """Every second, sign a checkpoint for each log that grew (C2SP checkpoints, kept)."""
    while True:
        await asyncio.sleep(1.0)
        try:
            await run_in_threadpool(checkpoint_due_logs, db)
        except Exception:  # a failed tick is retried next second; never kill the server
            log.exception("checkpoint tick failed")


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = db or Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(fail_interrupted, database)
        # The server is ours: the risk writer thread does many short database calls, each of
        # which gives up the GIL and waits a whole switch interval to get it back.
        sys.setswitchinterval(settings.gil_switch_interval_ms / 1000)
        if settings.warm_sanctions_index:
            from finbrain.platform.identity.service import warm

            warm(settings)
        ticker = asyncio.create_task(_checkpoint_ticker(database))
        gc.collect()
        gc.freeze()  # start-up objects live for the whole process: keep them out of every GC
        try:
            yield
        finally:
            ticker.cancel()
            await run_in_threadpool(app.state.risk.stop)
            if db is None:  # we made it, we close it
                database.dispose()

    app = FastAPI(
        title="finbrain 金融大脑",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served below from vendored files: no CDN at run time
        redoc_url=None,
        lifespan=lifespan,
    )
    _set_state(app, settings, database)
    for exc, handler in PROBLEM_HANDLERS.items():
        app.add_exception_handler(exc, handler)
    for router in api_routers():  # one list of capabilities (capabilities.py), in order
        app.include_router(router)
    _add_docs(app)

    from finbrain.platform.console import mount_console

    mount_console(app, settings)

    if settings.risk_fast_lane:
        app.add_middleware(ScoringLane, state=app.state)
    # A JSON endpoint sent a body that is not declared JSON: 415, before any lane reads it.
    app.add_middleware(JsonContentTypeMiddleware, openapi=app.openapi)
    # Outermost first: request id wraps everything, so even a 413 carries it.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app


PROBLEM_HANDLERS: dict[Any, Any] = {
    FinbrainError: problems.on_finbrain_error,
    RequestValidationError: problems.on_validation_error,
    StarletteHTTPException: problems.on_http_error,
    Exception: problems.on_unhandled,
}


def _set_state(app: FastAPI, settings: Settings, database: Database) -> None:
    """What every request reaches through ``request.app.state``."""
    app.state.db = database
    app.state.risk = RiskHub(database, settings)
    app.state.settings = settings
    app.state.admission = Admission.from_settings(settings)
    app.state.redis = None
    app.state.rate_limiter = MemoryRateLimiter(
        settings.rate_limit_per_second, settings.rate_limit_burst
    )
    if settings.redis_url:
        import redis

        app.state.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
        app.state.rate_limiter = RedisRateLimiter(
            app.state.redis, settings.rate_limit_per_second, settings.rate_limit_burst
        )


def _add_docs(app: FastAPI) -> None:
    """The API reference from vendored Swagger UI files (no CDN), and problem type pages."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="finbrain 金融大脑 API",
            swagger_js_url="/console/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/console/static/vendor/swagger-ui.css",
            swagger_favicon_url="/console/static/favicon.svg",
        )

    @app.get("/problems/{code}", tags=["health"], include_in_schema=False)
    def problem_type(code: str) -> dict[str, str]:
        """Human-readable description of a problem ``type``."""
        return {"code": code, **{lang: message(code, lang) for lang in LANGUAGES}}
