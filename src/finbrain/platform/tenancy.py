"""Tenants and API keys: create, list, revoke, authenticate.

A key is ``fbk_<key id>_<secret>`` (tenant) or ``fbo_<key id>_<secret>`` (operator). Only a
SHA-256 of the whole key is stored: the secret has 256 bits of entropy, so a slow password hash
adds nothing, and lookup by id keeps authentication one indexed read. The key is returned once,
at creation, and never again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finbrain.core.decision import new_id, utcnow
from finbrain.core.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from finbrain.platform.pagination import decode_cursor, encode_cursor, keyset_page
from finbrain.platform.scopes import DEFAULT_SCOPES, SCOPES
from finbrain.platform.store.models import ApiKey, OperatorKey, Tenant

log = logging.getLogger(__name__)

_KEY = re.compile(
    r"^fb(?P<kind>[ko])_(?P<id>[0-9A-HJKMNP-TV-Z]{26})_(?P<secret>[A-Za-z0-9_\-]{43})$"
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the operator, or one key of one tenant."""

    kind: Literal["operator", "tenant"]
    key_id: str
    tenant_id: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"


@dataclass(frozen=True, slots=True)
class Caller:
    """A tenant's key calling a capability: the tenant it acts for, the key and the request.

    Routes and console pages receive one from the scope check, so the tenant travels once, is
    never ``None`` and needs no assert; services take it instead of three loose arguments.
    Jobs and the demo bootstrap, which act for a tenant without a key, make one with
    ``Caller(tenant_id)``."""

    tenant_id: str
    key_id: str | None = None
    request_id: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def author(self) -> str:
        """Who a case note, a rule set or a review names: the key, else the platform itself."""
        return self.key_id or "platform"

    @classmethod
    def of(cls, principal: Principal, request_id: str | None = None) -> Caller:
        if principal.tenant_id is None:
            raise ValueError("the operator's key acts for no tenant")
        return cls(principal.tenant_id, principal.key_id, request_id, principal.scopes)


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key: ``secret`` is the only copy there will ever be."""

    id: str
    secret: str
    tenant_id: str | None
    scopes: tuple[str, ...]
    label: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _issue(kind: str) -> tuple[str, str]:
    key_id = new_id()
    return key_id, f"fb{kind}_{key_id}_{secrets.token_urlsafe(32)}"


def check_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError(
            f"unknown scope(s) {unknown}; known: {sorted(SCOPES)}",
            field="scopes",
            rule="known_scope",
        )
    return tuple(dict.fromkeys(scopes))  # de-duplicated, order kept


def create_operator_key(session: Session, label: str = "operator") -> IssuedKey:
    key_id, secret = _issue("o")
    session.add(OperatorKey(id=key_id, label=label, secret_hash=_hash(secret)))
    session.flush()
    return IssuedKey(id=key_id, secret=secret, tenant_id=None, scopes=(), label=label)


def has_operator_key(session: Session) -> bool:
    return (
        session.scalar(select(OperatorKey.id).where(OperatorKey.revoked_at.is_(None)).limit(1))
        is not None
    )


def create_tenant(session: Session, name: str) -> Tenant:
    if not name.strip() or len(name) > 200:
        raise ValidationError(field="name", rule="length_1_to_200")
    if session.scalar(select(Tenant.id).where(Tenant.name == name)) is not None:
        raise ConflictError(f"a tenant named {name!r} exists", field="name", rule="unique")
    tenant = Tenant(id=new_id(), name=name, status="active", created_at=utcnow())
    try:
        # Added inside the savepoint: a name lost in a race is rolled back with it and leaves
        # nothing pending, so the caller's session goes on.
        with session.begin_nested():
            session.add(tenant)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            f"a tenant named {name!r} exists", field="name", rule="unique"
        ) from None
    return tenant


def get_tenant(session: Session, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFoundError(kind="tenant")
    return tenant


def create_key(
    session: Session,
    tenant_id: str,
    *,
    label: str,
    scopes: list[str] | tuple[str, ...] = DEFAULT_SCOPES,
    created_by: str,
) -> IssuedKey:
    get_tenant(session, tenant_id)
    clean = check_scopes(scopes)
    if not clean:
        raise ValidationError(field="scopes", rule="non_empty")
    key_id, secret = _issue("k")
    session.add(
        ApiKey(
            id=key_id,
            tenant_id=tenant_id,
            label=label,
            scopes=list(clean),
            secret_hash=_hash(secret),
            created_at=utcnow(),
            created_by=created_by,
        )
    )
    session.flush()
    return IssuedKey(id=key_id, secret=secret, tenant_id=tenant_id, scopes=clean, label=label)


def revoke_key(session: Session, key_id: str, tenant_id: str | None = None) -> ApiKey | OperatorKey:
    """Revoke a tenant key (``tenant_id`` given: only within that tenant) or an operator key."""
    tenant_key = session.get(ApiKey, key_id)
    if tenant_key is not None and tenant_id is not None and tenant_key.tenant_id != tenant_id:
        tenant_key = None
    key: ApiKey | OperatorKey | None = tenant_key
    if key is None and tenant_id is None:
        key = session.get(OperatorKey, key_id)
    if key is None:
        raise NotFoundError(kind="key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    forget_key(key.id)
    # A request authenticating between now and the commit could cache the key once more.
    event.listen(session, "after_commit", lambda _s, kid=key.id: forget_key(kid), once=True)
    return key


# Authentication cache: SHA-256 of a presented key -> (principal, monotonic expiry, monotonic
# time a refresh was claimed or 0). A hit skips the database entirely (the hot path of scoring).
# Entries are fresh for AUTH_CACHE_TTL seconds. When one expires, the first request to find it
# so re-reads the key (it *claims* the refresh) while the others keep the previous answer for at
# most AUTH_REFRESH_GRACE seconds: without this, every request in flight at the expiry (64 under
# load) read the database at once and starved the connection pool. So a revocation or a
# suspension made by another process holds within about two seconds; one made in this process
# drops the key's entries at once and again after its commit. Failures are never cached, and a
# failed refresh drops the entry.
AUTH_CACHE_TTL = 1.0
AUTH_REFRESH_GRACE = 1.0
_AUTH_CACHE_MAX = 10_000
_auth_cache: dict[str, tuple[Principal, float, float]] = {}
_auth_lock = threading.Lock()


def cached_principal(presented: str | None, *, claim: bool = False) -> Principal | None:
    """The principal cached for this exact key, else None (the caller reads the database).

    With ``claim``, the first caller to find the entry expired gets None and owes the refresh
    (``remember_principal`` or ``forget_presented``); until it delivers, within the grace, the
    others get the previous principal. Without ``claim`` an expired entry whose refresh nobody
    has claimed is None and nothing is claimed (a check that will not read the database).
    """
    if not presented:
        return None
    digest = _hash(presented.strip())
    entry = _auth_cache.get(digest)
    if entry is None:
        return None
    principal, fresh_until, claimed_at = entry
    now = time.monotonic()
    if now < fresh_until or (claimed_at and now - claimed_at < AUTH_REFRESH_GRACE):
        return principal
    if not claim:
        return None
    with _auth_lock:
        current = _auth_cache.get(digest)
        if current is not entry:  # refreshed or claimed meanwhile
            return None if current is None else current[0]
        _auth_cache[digest] = (principal, fresh_until, now)
    return None


def recent_principal(presented: str | None) -> Principal | None:
    """Whom this exact key was last authenticated as, however long ago (None if never, or if
    it was dropped since: revoked, or a refresh failed). Never an authentication: a hint, for
    sharing capacity between tenants before the request authenticates."""
    if not presented:
        return None
    entry = _auth_cache.get(_hash(presented.strip()))
    return None if entry is None else entry[0]


def remember_principal(presented: str, principal: Principal) -> None:
    digest = _hash(presented.strip())
    with _auth_lock:
        if len(_auth_cache) >= _AUTH_CACHE_MAX:
            _auth_cache.clear()
        _auth_cache[digest] = (principal, time.monotonic() + AUTH_CACHE_TTL, 0.0)


def forget_presented(presented: str | None) -> None:
    """Drop the cached authentication of this presented key (its refresh failed)."""
    if presented:
        with _auth_lock:
            _auth_cache.pop(_hash(presented.strip()), None)


def forget_key(key_id: str) -> None:
    """Drop every cached authentication of ``key_id`` (on revocation)."""
    with _auth_lock:
        for digest in [d for d, (p, _, _) in _auth_cache.items() if p.key_id == key_id]:
            del _auth_cache[digest]


def _revoked(kind: str, key_id: str) -> AuthenticationError:
    """A revoked key is refused exactly as a key never issued (``known_key``): a distinct answer
    would tell whoever holds a guessed or leaked key that it once existed. The operator's log
    keeps the difference."""
    log.info("a revoked %s key was presented: %s", kind, key_id)
    return AuthenticationError(rule="known_key")


def authenticate(session: Session, presented: str | None) -> Principal:
    """The principal behind a presented key; 401 for anything unknown, malformed or revoked
    (a revoked key is answered as an unknown one)."""
    if not presented:
        raise AuthenticationError(rule="bearer_key_required")
    match = _KEY.match(presented.strip())
    if match is None:
        raise AuthenticationError(rule="key_format")
    digest = _hash(presented.strip())
    if match["kind"] == "o":
        op = session.get(OperatorKey, match["id"])
        if op is None or not hmac.compare_digest(op.secret_hash, digest):
            raise AuthenticationError(rule="known_key")
        if op.revoked_at is not None:
            raise _revoked("operator", op.id)
        return Principal(kind="operator", key_id=op.id)
    key = session.get(ApiKey, match["id"])
    if key is None or not hmac.compare_digest(key.secret_hash, digest):
        raise AuthenticationError(rule="known_key")
    if key.revoked_at is not None:
        raise _revoked("tenant", key.id)
    tenant = session.get(Tenant, key.tenant_id)
    if tenant is None or tenant.status != "active":
        raise AuthenticationError(code="FB-TENANT-SUSPENDED", rule="tenant_active")
    return Principal(
        kind="tenant", key_id=key.id, tenant_id=key.tenant_id, scopes=tuple(key.scopes)
    )


def list_tenants(
    session: Session, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[Tenant], str | None]:
    after = decode_cursor(cursor) if cursor else None
    rows, last = keyset_page(
        session, select(Tenant), Tenant.id, limit=limit, after=after, newest_first=False
    )
    return rows, last and encode_cursor(last)


def active_key(session: Session, key_id: str) -> tuple[Principal, str] | None:
    """A tenant key by id with its bank's name, or ``None`` once the key is revoked or the
    tenant suspended (the console re-checks its signed-in key on every page)."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return None
    tenant = session.get(Tenant, key.tenant_id)
    if tenant is None or tenant.status != "active":
        return None
    principal = Principal(
        kind="tenant", key_id=key.id, tenant_id=key.tenant_id, scopes=tuple(key.scopes)
    )
    return principal, tenant.name


def list_keys(session: Session, tenant_id: str) -> list[ApiKey]:
    get_tenant(session, tenant_id)
    return list(
        session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.id))
    )
