"""One transaction per API request, with Idempotency-Key handled inside it.

Every router uses ``UnitOfWorkRoute``. The route opens the request's transaction, lets the
handler work in it, and commits once, after storing the idempotent response in the *same*
transaction: a retried POST either finds the committed answer and replays it, or finds nothing
and runs as new. There is no window where the work is done but its answer is not recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from finbrain.core.decision import utcnow
from finbrain.core.errors import ConflictError, ValidationError
from finbrain.platform import tenancy
from finbrain.platform.api.admission import UNVERIFIED, Admission
from finbrain.platform.store.database import Database, ScopedSession
from finbrain.platform.store.models import IdempotencyRecord
from finbrain.platform.tenancy import Principal

IDEMPOTENCY_TTL = timedelta(hours=24)
REPLAY_HEADERS = ("content-type", "location", "content-language")


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def bearer(request: Request) -> str | None:
    return bearer_of(request.headers.get("authorization"))


def bearer_of(header: str | None) -> str | None:
    """The key in an Authorization header (``Bearer <key>``, or the bare key)."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else header.strip()


def request_session(request: Request) -> ScopedSession:
    session: ScopedSession | None = getattr(request.state, "session", None)
    if session is None:  # console pages and tests that bypass the route class
        raise RuntimeError("no unit of work open for this request")
    return session


def authenticate(request: Request) -> Principal:
    """Authenticate once per request and narrow the transaction to the caller's tenant."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    db = database(request)
    session = request_session(request)
    presented = bearer(request)
    # A key authenticated less than a second ago needs no database read (tenancy's cache).
    principal = tenancy.cached_principal(presented, claim=True)
    hit = principal is not None
    if principal is None:
        db.scope_platform(session)
        try:
            principal = tenancy.authenticate(session, presented)
        except BaseException:
            tenancy.forget_presented(presented)  # a claimed refresh that failed
            raise
        assert presented is not None  # authenticate refuses a missing key
        tenancy.remember_principal(presented, principal)
    request.app.state.rate_limiter.hit(principal.key_id)
    if principal.tenant_id is not None:
        db.scope_tenant(session, principal.tenant_id)
    elif hit:
        db.scope_platform(session)
    request.state.principal = principal
    return principal


def admission_lane(request: Request) -> str:
    """The request's lane in admission: its tenant, as far as a key authenticated before says
    (``"operator"`` for the operator's keys); a key not seen yet waits in the shared lane."""
    principal = tenancy.recent_principal(bearer(request))
    if principal is None:
        return UNVERIFIED
    return principal.tenant_id or "operator"


def _request_hash(request: Request, body: bytes) -> str:
    """Same JSON in another key order or spacing is the same request."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    h = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), canonical):
        h.update(len(part).to_bytes(8, "big") + part)
    return h.hexdigest()


def _check_key(value: str) -> str:
    if not 1 <= len(value) <= 255 or not value.isprintable() or not value.isascii():
        raise ValidationError(field="Idempotency-Key", rule="printable_ascii_1_to_255")
    return value


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise ConflictError(
            code="FB-IDEMPOTENCY-KEY-REUSED", field="Idempotency-Key", rule="same_body_per_key"
        )
    headers = dict(record.response_headers)
    headers["Idempotent-Replayed"] = "true"
    return Response(content=record.response_body, status_code=record.status_code, headers=headers)


def _find(session: ScopedSession, principal_id: str, key: str) -> IdempotencyRecord | None:
    record = session.get(IdempotencyRecord, (principal_id, key))
    if record is not None and utcnow() - record.created_at > IDEMPOTENCY_TTL:
        session.delete(record)
        session.flush()
        return None
    return record


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class UnitOfWorkRoute(APIRoute):
    # False for routes whose work is committed elsewhere (the risk group-commit writer): the
    # request's transaction then only reads (authentication), and the work's own identifiers
    # (event ids) make retries safe instead of Idempotency-Key.
    writes_here: ClassVar[bool] = True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # Unknown query parameters are refused like unknown body fields: a typo ("limt=5")
        # must not silently return a default page.
        known = _query_names(self.dependant)

        async def route(request: Request) -> Response:
            seen: set[str] = set()
            raw = request.scope.get("query_string", b"").decode("latin-1")
            for name, _ in parse_qsl(raw, keep_blank_values=True):
                if name not in known:
                    raise ValidationError(field=name or "query", rule="unknown_query_parameter")
                if name in seen:  # ?limit=5&limit=500 must not silently pick one
                    raise ValidationError(field=name, rule="single_value")
                seen.add(name)
            # A slot first (api/admission): the request may then hold a pooled connection
            # (and SQLite's write lock) across its hops to the worker threads without anyone
            # waiting for either.
            admission: Admission = request.app.state.admission
            writes = self.writes_here and request.method not in {"GET", "HEAD", "OPTIONS"}
            async with admission.turn(admission_lane(request), writes=writes):
                return await self._work(request, handler, writes)

        return route

    async def _work(
        self,
        request: Request,
        handler: Callable[[Request], Coroutine[Any, Any, Response]],
        writes: bool,
    ) -> Response:
        db = database(request)
        session = db.session()
        request.state.session = session
        try:
            if self.writes_here:
                await run_in_threadpool(db.begin, session, writes)
            # else: the read transaction begins with the first query, if any (none when
            # the authentication is cached): no pooled connection held for nothing.
            key = request.headers.get("idempotency-key")
            if request.method == "POST" and key is not None and self.writes_here:
                return await self._idempotent(request, handler, session, _check_key(key))
            response = await handler(request)
            if writes and response.status_code < 400:
                await run_in_threadpool(session.commit)
            return response
        finally:
            if session.in_transaction():
                await run_in_threadpool(session.close)
            else:
                session.close()

    async def _idempotent(
        self,
        request: Request,
        handler: Callable[[Request], Coroutine[Any, Any, Response]],
        session: ScopedSession,
        key: str,
    ) -> Response:
        body = await request.body()
        request_hash = _request_hash(request, body)
        principal = await run_in_threadpool(authenticate, request)
        found = await run_in_threadpool(_find, session, principal.key_id, key)
        if found is not None:
            return _replay(found, request_hash)
        response = await handler(request)
        if response.status_code >= 400:  # nothing was applied: a retry may run again
            return response
        record = IdempotencyRecord(
            principal_id=principal.key_id,
            key=key,
            tenant_id=principal.tenant_id,
            method=request.method,
            path=request.url.path,
            request_hash=request_hash,
            status_code=response.status_code,
            response_body=bytes(response.body),
            response_headers={
                k: v for k, v in response.headers.items() if k.lower() in REPLAY_HEADERS
            },
            created_at=utcnow(),
        )

        def commit() -> None:
            session.add(record)
            session.commit()

        try:
            await run_in_threadpool(commit)
        except IntegrityError:
            # A concurrent twin committed first: undo ours, answer as the twin did.
            await run_in_threadpool(session.rollback)
            return await run_in_threadpool(
                self._replay_committed, request, principal, key, request_hash
            )
        return response

    @staticmethod
    def _replay_committed(
        request: Request, principal: Principal, key: str, request_hash: str
    ) -> Response:
        db = database(request)
        with db.platform(write=False) as session:
            found = _find(session, principal.key_id, key)
        if found is None:
            raise ConflictError(
                code="FB-IDEMPOTENCY-IN-PROGRESS",
                field="Idempotency-Key",
                rule="one_request_at_a_time",
            )
        return _replay(found, request_hash)


def prune_idempotency(db: Database) -> int:
    """Drop records older than the TTL (run by the server periodically)."""
    with db.platform() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.created_at < utcnow() - IDEMPOTENCY_TTL
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


class ReadOnlyUnitOfWorkRoute(UnitOfWorkRoute):
    """A route that authenticates in a read transaction and commits its work elsewhere."""

    writes_here = False


def after_commit(session: Any, action: Callable[[], object]) -> None:
    """Run ``action`` once the request's transaction has committed (never if it rolls back):
    in-memory state (the risk engine) must only follow what the database kept."""
    from sqlalchemy import event

    event.listen(session, "after_commit", lambda _session: action(), once=True)
