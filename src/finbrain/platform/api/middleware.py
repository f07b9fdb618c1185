"""ASGI middleware: request ids, the body-size limit and the access log (masked)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finbrain.core.decision import new_id
from finbrain.core.i18n import message, negotiate

access_log = logging.getLogger("finbrain.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


class RequestIdMiddleware:
    """Takes a well-formed ``X-Request-ID`` from the caller or makes one; echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
                headers = [(k, v) for k, v in msg.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                msg["headers"] = headers
            await send(msg)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            state = scope.get("state", {})
            principal = state.get("principal")
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                extra={
                    "fb_request_id": request_id,
                    "fb_tenant": getattr(principal, "tenant_id", None) or "-",
                    "fb_key": getattr(principal, "key_id", None) or "-",
                },
            )


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands an application the body already read, then the rest."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413 before any handler reads them.

    A declared Content-Length over the limit is refused at once; a chunked body is counted
    while it streams and refused as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(scope, send)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            if not msg.get("more_body", False):
                break
        await self.app(scope, replay_body(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        headers = dict(scope["headers"])
        from finbrain.platform.api.problems import api_language

        sent = headers.get(b"accept-language", b"").decode("latin-1") or None
        lang = negotiate(sent, api_language(scope))
        request_id = scope.get("state", {}).get("request_id")
        problem: dict[str, Any] = {
            "type": "/problems/FB-PAYLOAD-TOO-LARGE",
            "title": message("FB-PAYLOAD-TOO-LARGE", lang, limit=self.limit),
            "status": 413,
            "instance": scope["path"],
            "code": "FB-PAYLOAD-TOO-LARGE",
            "field": "body",
            "rule": f"at_most_{self.limit}_bytes",
            "request_id": request_id,
            "errors": [],
        }
        body = json.dumps(problem, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"content-language", lang.encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _is_json(content_type: bytes) -> bool:
    """``application/json`` or ``application/<anything>+json``, any case, any parameters."""
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


class JsonContentTypeMiddleware:
    """Answers 415 problem+json when a JSON endpoint is sent a body that is not declared JSON.

    A JSON endpoint is an operation whose OpenAPI request body is ``application/json``. Its
    request is refused when it names another media type (a form, text, XML) or, carrying a
    body, names none; without a body it goes on (a missing body is the endpoint's own 422).
    Requests that declare JSON pass at the cost of one header look-up.
    """

    _METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, app: ASGIApp, openapi: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self.openapi = openapi  # the application's schema, read when a request needs it
        self._json_operations: list[tuple[str, re.Pattern[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in self._METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type")
        if content_type is not None and _is_json(content_type):
            await self.app(scope, receive, send)
            return
        if content_type is None and not _has_body(headers):
            await self.app(scope, receive, send)
            return
        if not self._reads_json(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        from finbrain.core.errors import UnsupportedMediaTypeError
        from finbrain.platform.api import problems

        sent = content_type.decode("latin-1")[:100] if content_type is not None else None
        exc = UnsupportedMediaTypeError(
            f"send the body as application/json (Content-Type was {sent or 'missing'})",
            field="Content-Type",
            rule="application_json",
        )
        response = await problems.on_finbrain_error(Request(scope, receive), exc)
        await response(scope, receive, send)

    def _reads_json(self, method: str, path: str) -> bool:
        if self._json_operations is None:
            self._json_operations = _json_operations(self.openapi())
        return any(m == method and pattern.fullmatch(path) for m, pattern in self._json_operations)


def _json_operations(schema: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    """(method, path pattern) of every operation whose request body is JSON."""
    found: list[tuple[str, re.Pattern[str]]] = []
    for template, operations in schema.get("paths", {}).items():
        pattern = re.compile(
            "".join(
                "[^/]+" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[^}]+\})", template)
            )
        )
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if any(_is_json(media.encode()) for media in content):
                found.append((method.upper(), pattern))
    return found


def _has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length")
    if length is not None:
        return length.strip() not in (b"", b"0")
    return b"transfer-encoding" in headers
