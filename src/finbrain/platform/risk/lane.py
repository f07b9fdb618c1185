"""The fast lane for ``POST /v1/risk/events``: a payment is scored before it is authorised, so
this one route answers within milliseconds at thousands of requests a second.

Through FastAPI a scoring request spends most of its CPU on the framework (route matching over
every route, dependency solving, the unit-of-work wrapper, response-model validation), not on
scoring. The lane is a plain ASGI layer in front of the application that runs the *same* steps
(the cached authentication, the rate limiter, the ``risk:score`` scope rule, ``EventIn``
validation, ``parse_event``, the tenant's group-commit writer, the ``AnswerOut`` shape) without
that machinery, and renders failures with the application's own problem handlers.

It only takes the common case. Anything else — a key not authenticated in the last second, a
query string, a body the schema refuses, a Redis rate limiter — goes to the application
unchanged (the body replayed), so every error answer stays the application's own. The lane can
be switched off (``risk_fast_lane``); tests check both paths give the same answers.
"""

from __future__ import annotations

from typing import Any

import pydantic
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from finbrain.core.errors import FinbrainError, PermissionDeniedError
from finbrain.platform import tenancy
from finbrain.platform.api import problems
from finbrain.platform.api.middleware import replay_body
from finbrain.platform.api.unit_of_work import bearer_of
from finbrain.platform.ratelimit import MemoryRateLimiter
from finbrain.platform.risk.routes import answers_out
from finbrain.platform.risk.schemas import AnswerOut, EventIn
from finbrain.platform.scopes import grants

PATH = "/v1/risk/events"
_ANSWER = pydantic.TypeAdapter(AnswerOut)


class ScoringLane:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state  # the application's state: its risk hub and rate limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != PATH
            or scope.get("query_string")
            or type(self.state.rate_limiter) is not MemoryRateLimiter
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        principal = tenancy.cached_principal(
            bearer_of(headers.get(b"authorization", b"").decode("latin-1"))
        )
        body = await _read(receive)
        if principal is None or not headers.get(b"content-type", b"").startswith(
            b"application/json"
        ):
            await self.app(scope, replay_body(body, receive), send)
            return
        try:
            item = EventIn.model_validate_json(body)
        except pydantic.ValidationError:  # the application words the 422, field by field
            await self.app(scope, replay_body(body, receive), send)
            return
        scope.setdefault("state", {})["principal"] = principal  # for the access log
        try:
            self.state.rate_limiter.hit(principal.key_id)
            if principal.tenant_id is None or not grants(principal.scopes, "risk:score"):
                raise PermissionDeniedError(rule="scope", scope="risk:score")  # or the operator
            event = item.event()
            tenant = self.state.risk.tenant(principal.tenant_id)
            answers = await tenant.decide(
                [event], principal.key_id, scope["state"].get("request_id")
            )
        except FinbrainError as exc:
            await _problem(scope, receive, send, problems.on_finbrain_error, exc)
            return
        except Exception as exc:  # answered as the application answers any other failure
            await _problem(scope, receive, send, problems.on_unhandled, exc)
            return
        answer = answers_out(answers)[0]
        out = _ANSWER.dump_json(answer)
        await send(
            {
                "type": "http.response.start",
                "status": 200 if answer.duplicate else 201,
                "headers": [
                    (b"content-length", str(len(out)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": out})


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _problem(
    scope: Scope, receive: Receive, send: Send, handler: Any, exc: BaseException
) -> None:
    response = await handler(Request(scope, receive), exc)
    await response(scope, receive, send)
