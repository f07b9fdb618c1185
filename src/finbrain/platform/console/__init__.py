"""The operator console: server-rendered pages on the same app, no runtime CDN."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from finbrain.core.settings import Settings


def mount_console(app: FastAPI, settings: Settings) -> None:
    from finbrain.platform.console import identity_pages, risk_pages
    from finbrain.platform.console.pages import router

    static = resources.files("finbrain.platform.console") / "static"
    app.mount("/console/static", StaticFiles(directory=str(static)), name="console-static")
    app.include_router(router)
    app.include_router(identity_pages.router)
    app.include_router(risk_pages.router)
    # The session cookie holds the key id only (signed, HttpOnly), never the key; the key's
    # validity is re-checked on every page, so a revoked key is signed out at once.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.effective_secret_key(),
        session_cookie="finbrain_console",
        max_age=8 * 3600,
        same_site="strict",
        https_only=False,
    )
