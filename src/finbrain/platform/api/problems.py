"""RFC 9457 problem details: every error the API returns has this one shape.

``code`` is stable (clients switch on it), ``title``/``detail`` follow ``Accept-Language``, and a
validation problem lists each failing ``field`` with the ``rule`` it broke.

One language per answer: zh or en as ``Accept-Language`` asks, else the API's default
(``api_language``, English). The title, the detail and each field's message are all in it: a
detail the code wrote (in English) is shown to English readers; a Chinese reader gets the
error's own zh text where it has one, else the catalogue's field-and-rule sentence, else none.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from finbrain.core.errors import FinbrainError, OverloadedError, RateLimitedError
from finbrain.core.i18n import Language, message, negotiate
from finbrain.core.settings import get_settings

log = logging.getLogger("finbrain.api")

MEDIA_TYPE = "application/problem+json"
# The detail of a 503 for overload, by the rule that refused the request (see api/admission).
OVERLOAD_DETAILS = {
    "tenant_request_queue": "FB-OVERLOADED-QUEUE",
    "request_queue_seconds": "FB-OVERLOADED-WAIT",
}


class FieldError(BaseModel):
    field: str
    rule: str
    message: str


class Problem(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = Field(examples=["/problems/FB-VALIDATION"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str
    request_id: str | None = None
    field: str | None = None
    rule: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


def api_language(scope: Any) -> Language:
    """The API's default language: the application's setting (``api_language``)."""
    state = getattr(scope.get("app"), "state", None)
    settings = getattr(state, "settings", None) or get_settings()
    return "zh" if settings.api_language == "zh" else "en"


def language_of(request: Request) -> Language:
    return negotiate(request.headers.get("accept-language"), api_language(request.scope))


def _detail(exc: FinbrainError, lang: Language) -> str | None:
    """``exc``'s detail in the answer's language (see the module's docstring)."""
    if exc.detail is None or lang == "en":
        return exc.detail
    own = getattr(exc, "messages", None)  # an identity rule carries its zh and en texts
    if isinstance(own, dict) and own.get(lang):
        return str(own[lang])
    if exc.field and exc.rule:
        return message("FB-VALIDATION", lang, **exc.params)
    return None


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str | None = None,
    field: str | None = None,
    rule: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> JSONResponse:
    lang = language_of(request)
    params = dict(params or {})
    params.setdefault("field", field or "?")
    params.setdefault("rule", rule or "?")
    if "kind" in params:
        params["kind"] = message(f"ui.kind.{params['kind']}", lang)
    title = message(code, lang, **params)
    body = Problem(
        type=f"/problems/{code}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        request_id=getattr(request.state, "request_id", None),
        field=field,
        rule=rule,
        errors=errors or [],
    )
    response_headers = {"Content-Language": lang, **(headers or {})}
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        response_headers["X-Request-ID"] = request_id
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=response_headers,
    )


async def on_finbrain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FinbrainError)
    overloaded = isinstance(exc, OverloadedError)
    if exc.status >= 500 and not overloaded:  # overload is expected: the access log has it
        log.exception("server error %s", exc.code, exc_info=exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError | OverloadedError):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="finbrain"'
    errors = None
    if exc.field and exc.rule:
        errors = [
            FieldError(
                field=exc.field,
                rule=exc.rule,
                message=message("FB-VALIDATION", language_of(request), **exc.params),
            )
        ]
    # Only client errors echo our detail; a 5xx never shows internals (overload's is catalogued).
    detail = _detail(exc, language_of(request)) if exc.status < 500 else None
    if overloaded and exc.rule in OVERLOAD_DETAILS:
        detail = message(OVERLOAD_DETAILS[exc.rule], language_of(request), **exc.params)
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        detail=detail,
        field=exc.field,
        rule=exc.rule,
        errors=errors if exc.status == 422 else None,
        headers=headers,
        params=exc.params,
    )


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        where, rest = parts[0], parts[1:]
        return ".".join(rest) if rest and where == "body" else ".".join(rest) or where
    return ".".join(parts) or "body"


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = language_of(request)
    items = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in items):
        return problem_response(
            request, status=400, code="FB-MALFORMED-JSON", field="body", rule="json_syntax"
        )
    errors = []
    for e in items:
        field = _field_of(tuple(e.get("loc", ())))
        rule = str(e.get("type", "invalid"))
        errors.append(
            FieldError(
                field=field,
                rule=rule,
                message=message("FB-VALIDATION", lang, field=field, rule=rule)
                + (f" ({e.get('msg', '')})" if lang == "en" else ""),  # pydantic's is English
            )
        )
    first = errors[0] if errors else None
    return problem_response(
        request,
        status=422,
        code="FB-VALIDATION",
        detail=message("FB-VALIDATION-MANY", lang, count=len(errors)),
        field=first.field if first else None,
        rule=first.rule if first else None,
        errors=errors,
    )


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {
        404: "FB-ROUTE-NOT-FOUND",
        405: "FB-METHOD-NOT-ALLOWED",
        413: "FB-PAYLOAD-TOO-LARGE",
    }.get(exc.status_code, "FB-VALIDATION" if exc.status_code < 500 else "FB-INTERNAL")
    lang = language_of(request)
    detail = str(exc.detail) if exc.status_code < 500 and lang == "en" else None
    field = rule = None
    if exc.status_code == 400:  # the body could not be read as JSON
        code, field = "FB-MALFORMED-JSON", "body"
        if isinstance(exc.__cause__, RecursionError):
            rule = "max_depth"
            if lang == "en":
                detail = "the body is nested deeper than the JSON reader takes (about 1,000 levels)"
        else:
            rule = "json_syntax"
        if lang != "en":
            detail = message("FB-VALIDATION", lang, field=field, rule=rule)
    return problem_response(
        request,
        status=exc.status_code,
        code=code,
        detail=detail,
        field=field,
        rule=rule,
        headers=dict(exc.headers or {}),
        params={"limit": get_settings().max_body_bytes},
    )


async def on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(request, status=500, code="FB-INTERNAL")


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": text}
    for status, text in {
        400: "Malformed request (e.g. invalid JSON)",
        401: "Missing, unknown or revoked API key",
        403: "The key lacks the needed scope",
        404: "Not found (also for another tenant's objects)",
        409: "Conflict (e.g. Idempotency-Key reused with another body)",
        413: "Body too large",
        415: "The body is not declared JSON (Content-Type: application/json)",
        422: "Validation failed: each field and the rule it broke",
        429: "Rate limited",
        503: "Overloaded: nothing was done, retry after Retry-After seconds",
    }.items()
}
