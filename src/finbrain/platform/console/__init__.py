"""The operator console: server-rendered pages on the same app, no runtime CDN."""

from __future__ import annotations

from importlib import resources

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from finbrain.core.i18n import message
from finbrain.core.settings import Settings
from finbrain.platform.console import csrf
from finbrain.platform.console.flash import FlashStore
from finbrain.platform.console.shell import PageExit


def mount_console(app: FastAPI, settings: Settings) -> None:
    from finbrain.platform.capabilities import console_pages

    static = resources.files("finbrain.platform.console") / "static"
    app.mount("/console/static", StaticFiles(directory=str(static)), name="console-static")
    # One cross-site check for every unsafe request of every console page (csrf.py).
    for pages in console_pages():
        app.include_router(pages, dependencies=[Depends(csrf.protect)])
    app.add_exception_handler(csrf.CrossSiteRequestError, _refused)
    app.add_exception_handler(PageExit, _page_exit)
    app.state.console_flashes = FlashStore()
    # The session cookie holds the key id and the CSRF token only (signed, HttpOnly), never the
    # key nor any message; the key's validity is re-checked on every page, so a revoked key is
    # signed out at once.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.effective_secret_key(),
        session_cookie="finbrain_console",
        max_age=8 * 3600,
        same_site="strict",
        https_only=False,
    )


async def _page_exit(request: Request, exc: Exception) -> Response:
    """A page that ended early (signed out, a missing scope): its ready-made response."""
    assert isinstance(exc, PageExit)
    return exc.response


async def _refused(request: Request, exc: Exception) -> Response:
    """A 403 page naming the header or field and the rule; problem+json for API clients."""
    from finbrain.platform.api.problems import on_finbrain_error
    from finbrain.platform.console.shell import language, render

    assert isinstance(exc, csrf.CrossSiteRequestError)
    accept = request.headers.get("accept", "")
    if "json" in accept and "text/html" not in accept:
        return await on_finbrain_error(request, exc)
    lang = language(request)
    return render(
        request,
        "error.html",
        403,
        error=message(exc.code, lang, **exc.params),
        hint=message("ui.csrf_hint", lang),
        testid="csrf-refused",
    )
