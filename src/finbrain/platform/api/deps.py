"""Dependencies the routers declare: who is calling, with which scope, in which transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from finbrain.core.errors import PermissionDeniedError
from finbrain.core.settings import Settings
from finbrain.platform.api.problems import PROBLEM_RESPONSES
from finbrain.platform.api.unit_of_work import (
    ReadOnlyUnitOfWorkRoute,
    UnitOfWorkRoute,
    authenticate,
    request_session,
)
from finbrain.platform.scopes import grants
from finbrain.platform.store.database import ScopedSession
from finbrain.platform.tenancy import Caller, Principal

ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
Ulid = Annotated[str, Path(min_length=26, max_length=26, pattern=ULID_PATTERN)]
"""A path parameter holding one of our ids (a ULID): anything else is a 422 naming it."""


def api_router(prefix: str, tag: str, *, read_only: bool = False) -> APIRouter:
    """A capability's API router: every request in one unit of work (``read_only``: one that
    commits nothing itself, e.g. risk scoring, which commits in its tenant's writer), and the
    problem responses every route can give."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=ReadOnlyUnitOfWorkRoute if read_only else UnitOfWorkRoute,
        responses=PROBLEM_RESPONSES,
    )


# Declares the bearer scheme in OpenAPI; the check itself is ``authenticate`` (401 problems).
_bearer = HTTPBearer(auto_error=False, description="API key: fbk_… (tenant) or fbo_… (operator)")


def current_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> Principal:
    return authenticate(request)


def operator(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_operator:
        raise PermissionDeniedError(code="FB-OPERATOR-ONLY", rule="operator_key")
    return principal


def require(scope: str) -> Callable[..., Caller]:
    """A tenant key holding ``scope`` (or ``admin``), as the ``Caller`` its handler works for;
    the operator key is refused."""

    def check(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Caller:
        return caller_of(request, principal, scope)

    check.__name__ = f"require_{scope.replace(':', '_')}"
    return check


def caller_of(request: Request, principal: Principal, scope: str) -> Caller:
    """The scope rule every tenant route shares (also used by hand-written fast paths)."""
    if principal.is_operator or not grants(principal.scopes, scope):
        raise PermissionDeniedError(rule="scope", scope=scope)
    return Caller.of(principal, getattr(request.state, "request_id", None))


def session(request: Request) -> ScopedSession:
    return request_session(request)


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[ -~]+$",
            description="Retries with the same key and body return the first response; "
            "the same key with another body is refused with 409.",
        ),
    ] = None,
) -> str | None:
    return key


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Session = Annotated[ScopedSession, Depends(session)]
AppSettings = Annotated[Settings, Depends(app_settings)]
Operator = Annotated[Principal, Depends(operator)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
