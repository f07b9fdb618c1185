"""The console's shell: sign in with a tenant API key, switch zh/en, and what every
capability's pages share — the signed-in ``Viewer`` (one guard for every page), rendering,
error pages, flash messages and money as people read it.

A page declares who may see it in its signature, ``viewer: Annotated[Viewer,
Depends(signed_in("risk:cases"))]``; a visitor who is not signed in is sent to the sign-in page
and a key without the scope gets the 403 page, before the handler runs."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import Session

from finbrain.core.errors import AuthenticationError, FinbrainError
from finbrain.core.i18n import Language, message, negotiate
from finbrain.core.money import Money
from finbrain.platform import tenancy
from finbrain.platform.console import csrf
from finbrain.platform.console.flash import FlashStore
from finbrain.platform.scopes import grants
from finbrain.platform.store.database import Database
from finbrain.platform.tenancy import Caller, Principal

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(
    directory=str(resources.files("finbrain.platform.console") / "templates")
)
LANG_COOKIE = "finbrain_lang"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def language(request: Request) -> Language:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("zh", "en"):
        return chosen  # type: ignore[return-value]
    return negotiate(
        request.headers.get("accept-language"), request.app.state.settings.default_language
    )


def database(request: Request) -> Database:
    """The platform database the console reads and writes."""
    db: Database = request.app.state.db
    return db


def _signed_in(request: Request) -> tuple[Principal, str] | None:
    """The console user's key, re-checked against the store (revocation signs out at once)."""
    key_id = request.session.get("key_id")
    if not key_id:
        return None
    with database(request).platform(write=False) as session:
        signed = tenancy.active_key(session, key_id)
    if signed is None:
        request.session.clear()
    return signed


def render(
    request: Request, template: str, status: int = 200, /, **context: object
) -> HTMLResponse:
    lang = language(request)

    def t(key: str, **params: Any) -> str:
        return message(key if key.startswith("FB-") else f"ui.{key}", lang, **params)

    def label(kind: str, value: str) -> str:
        """A code's translation (``ui.outcome.decline`` → 拒绝) or the code itself."""
        key = f"ui.{kind}.{value}"
        return value if message(key, lang) == key else message(key, lang)

    zone = ZoneInfo(request.app.state.settings.display_time_zone)

    def when(moment: datetime | None, seconds: bool = True) -> Markup | str:
        """A time in the bank's time zone, the UTC time on hover (and for machines)."""
        if moment is None:
            return "—"
        utc = moment.astimezone(UTC)
        shown = moment.astimezone(zone).strftime(
            "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
        )
        stamp = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        return Markup('<time datetime="{0}" title="{0} UTC">{1}</time>').format(stamp, shown)

    def score(capability: str, action: str, value: float | None) -> str:
        """A decision's score in its own scale, never a bare number beside other scales."""
        return score_text(capability, action, value, lang)

    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": t,
            "label": label,
            "score": score,
            "when": when,
            "lang": lang,
            "csrf_token": csrf.token(request),
            **context,
        },
        status_code=status,
    )
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'"
    )
    return response


def score_text(capability: str, action: str, value: float | None, lang: Language) -> str:
    """Credit points, risk 0–1000, a screening's name similarity 0–1, a card limit: each
    capability scores on its own scale, so the console says which."""
    if value is None:
        return "—"
    if capability == "journey" or action == "limit":
        return message("ui.score_scale.limit", lang, value=f"{value:,.0f}")
    if capability == "credit":
        return message("ui.score_scale.credit", lang, value=f"{value:.0f}")
    if capability == "risk":
        return message("ui.score_scale.risk", lang, value=f"{value:.1f}")
    if capability == "identity":
        return message("ui.score_scale.identity", lang, value=f"{value:.2f}")
    return f"{value:.3f}"


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(url="/console/login", status_code=303)


class PageExit(Exception):  # noqa: N818 - not an error: a page that ends early
    """Ends a page early with ``response`` (the sign-in redirect, the 403 page): raised by the
    guard, answered by the handler ``mount_console`` installs."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Viewer:
    """The signed-in console user: a tenant's key and its bank's name, for one request."""

    request: Request
    principal: Principal
    tenant_name: str

    @property
    def caller(self) -> Caller:
        return Caller.of(self.principal, getattr(self.request.state, "request_id", None))

    @property
    def tenant_id(self) -> str:
        return self.caller.tenant_id

    @property
    def lang(self) -> Language:
        return language(self.request)

    def can(self, scope: str) -> bool:
        return grants(self.principal.scopes, scope)

    def session(self, *, write: bool = False) -> AbstractContextManager[Session]:
        """A transaction narrowed to the viewer's tenant (row-level security on PostgreSQL)."""
        return database(self.request).tenant(self.tenant_id, write=write)

    def page(self, template: str, status: int = 200, /, **context: object) -> HTMLResponse:
        """``template`` inside the console frame (bank name, key, menu)."""
        return render(
            self.request,
            template,
            status,
            tenant_name=self.tenant_name,
            principal=self.principal,
            **context,
        )

    def error(self, status: int, text: str, **context: object) -> HTMLResponse:
        return self.page("error.html", status, error=text, **context)

    def not_found(self) -> HTMLResponse:
        return self.error(404, message("ui.not_found", self.lang))

    def forbidden(self, scope: str) -> HTMLResponse:
        return self.error(403, message("FB-FORBIDDEN", self.lang, scope=scope))


def signed_in(scope: str | None = None, *, fragment: bool = False) -> Callable[..., Viewer]:
    """The guard of a page: the signed-in viewer holding ``scope`` (``None``: any tenant key).

    ``fragment``: the page is a piece htmx swaps in; a signed-out visitor gets 204 with
    ``HX-Refresh`` (htmx reloads the page, which then redirects) instead of the sign-in page
    swapped into the middle of another."""

    def guard(request: Request) -> Viewer:
        signed = _signed_in(request)
        if signed is None:
            if fragment:
                raise PageExit(Response(status_code=204, headers={"HX-Refresh": "true"}))
            raise PageExit(_to_login(request))
        viewer = Viewer(request, *signed)
        if scope is not None and not viewer.can(scope):
            raise PageExit(viewer.forbidden(scope))
        return viewer

    guard.__name__ = f"signed_in_{(scope or 'any').replace(':', '_')}"
    return guard


def error_text(exc: FinbrainError, lang: Language) -> str:
    """The catalogue message of an error, naming its field and rule."""
    messages = getattr(exc, "messages", None)  # errors that carry their own zh/en text
    if isinstance(messages, dict) and lang in messages:
        return str(messages[lang])
    text = message(exc.code, lang, **exc.params)
    if exc.detail and exc.code == "FB-VALIDATION" and exc.detail not in text:
        text = f"{text} {exc.detail}"
    return text


def set_flash(request: Request, kind: Literal["ok", "error"], text: str) -> None:
    """A message for the next page; the session holds its id only (flash.py)."""
    store: FlashStore = request.app.state.console_flashes
    take_flash(request)  # an earlier message nobody saw gives way
    request.session["flash"] = store.put(kind, text)


def take_flash(request: Request) -> dict[str, str] | None:
    flash_id = request.session.pop("flash", None)
    if not isinstance(flash_id, str):
        return None
    store: FlashStore = request.app.state.console_flashes
    return store.take(flash_id)


def money_text(minor: int | None, currency: str) -> str:
    if minor is None:
        return "—"
    amount = Money.from_minor(minor, currency).to_json()["amount"]
    whole, _, cents = amount.partition(".")
    return f"{int(whole):,}{'.' + cents if cents else ''} {currency}"


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    if _signed_in(request) is None:
        return _to_login(request)
    return RedirectResponse(url="/console/decisions", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, api_key: str = Form(default="", max_length=200)) -> Response:
    try:
        with database(request).platform(write=False) as session:
            principal = tenancy.authenticate(session, api_key)
    except AuthenticationError:
        return render(
            request, "login.html", 401, error=message("ui.login_failed", language(request))
        )
    if principal.is_operator:
        return render(
            request,
            "login.html",
            403,
            error=message("FB-FORBIDDEN", language(request), scope="tenant"),
        )
    request.session.clear()
    request.session["key_id"] = principal.key_id
    csrf.rotate(request)  # the visitor's token is not the signed-in session's
    return RedirectResponse(url="/console/decisions", status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return _to_login(request)


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/console/") -> Response:
    target = next if next.startswith("/console") and "//" not in next else "/console/"
    response = RedirectResponse(url=target, status_code=303)
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
