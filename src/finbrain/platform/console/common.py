"""Helpers shared by the console's page modules: the scope gate, error pages and texts, the
one-shot flash message and money as people read it."""

from __future__ import annotations

import re
from typing import Literal

from fastapi import Request
from fastapi.responses import Response

from finbrain.core.errors import FinbrainError
from finbrain.core.i18n import Language, message
from finbrain.core.money import Money
from finbrain.platform.console.flash import FlashStore
from finbrain.platform.console.pages import language, render, signed_in_or_login
from finbrain.platform.scopes import grants
from finbrain.platform.tenancy import Principal

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def guard(request: Request, scope: str | None) -> tuple[Principal, str] | Response:
    """The signed-in key and bank name; the sign-in redirect, or a 403 page without ``scope``
    (``None``: any signed-in tenant key may see the page)."""
    signed = signed_in_or_login(request)
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    if scope is None:
        return principal, tenant_name
    if not principal.tenant_id or not grants(principal.scopes, scope):
        return render(
            request,
            "error.html",
            403,
            error=message("FB-FORBIDDEN", language(request), scope=scope),
            tenant_name=tenant_name,
            principal=principal,
        )
    return principal, tenant_name


def not_found(request: Request, principal: Principal, tenant_name: str) -> Response:
    return render(
        request,
        "error.html",
        404,
        error=message("ui.not_found", language(request)),
        tenant_name=tenant_name,
        principal=principal,
    )


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
