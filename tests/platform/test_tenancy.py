"""Tenancy's refusals: a real key id with a wrong secret, a suspended tenant, bad names and
scopes, another tenant's key; each is refused with the rule it broke, over the API where a
client meets it and in the service where the API is not the only caller."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from finbrain.core.errors import (
    AuthenticationError,
    ConflictError,
    FinbrainError,
    NotFoundError,
    ValidationError,
)
from finbrain.platform import tenancy
from finbrain.platform.store.models import ApiKey, OperatorKey, Tenant
from tests.conftest import Platform


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def wrong_secret(key: str) -> str:
    """The same kind and key id with another secret of the same shape."""
    head, secret = key[: len("fbk_") + 26 + 1], key[len("fbk_") + 26 + 1 :]
    assert len(secret) == 43
    return head + ("A" if secret[0] != "A" else "B") + secret[1:]


def assert_unknown_key(response: object) -> None:
    r = response
    assert r.status_code == 401, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert (body["code"], body["rule"]) == ("FB-UNAUTHENTICATED", "known_key")
    assert r.headers["www-authenticate"].startswith("Bearer")  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# over the API


def test_a_tenant_key_id_with_a_wrong_secret_is_refused(platform: Platform) -> None:
    _, admin = platform.new_tenant()
    assert platform.client.get("/v1/me", headers=bearer(admin)).status_code == 200
    forged = wrong_secret(admin)
    assert forged != admin and forged.split("_")[1] == admin.split("_")[1]
    for path in ("/v1/me", "/v1/decisions", "/v1/keys"):
        assert_unknown_key(platform.client.get(path, headers=bearer(forged)))
    # Once more after the real key was cached by its use: the cache is keyed by the whole key.
    assert platform.client.get("/v1/me", headers=bearer(admin)).status_code == 200
    assert_unknown_key(platform.client.get("/v1/me", headers=bearer(forged)))


def test_an_operator_key_id_with_a_wrong_secret_is_refused(platform: Platform) -> None:
    operator = platform.operator_secret
    assert platform.client.get("/v1/tenants", headers=bearer(operator)).status_code == 200
    forged = wrong_secret(operator)
    assert forged.startswith("fbo_") and forged != operator
    assert_unknown_key(platform.client.get("/v1/tenants", headers=bearer(forged)))
    r = platform.client.post("/v1/tenants", json={"name": "伪造银行"}, headers=bearer(forged))
    assert_unknown_key(r)
    with platform.db.platform() as session:
        assert session.scalar(select(Tenant.id).where(Tenant.name == "伪造银行")) is None


def test_a_key_presented_as_the_other_kind_is_refused(platform: Platform) -> None:
    _, admin = platform.new_tenant()
    # A tenant key dressed as an operator key must not reach the operator's table, and the
    # operator's key dressed as a tenant key must not reach the tenants'.
    assert_unknown_key(platform.client.get("/v1/tenants", headers=bearer("fbo_" + admin[4:])))
    as_tenant = "fbk_" + platform.operator_secret[4:]
    assert_unknown_key(platform.client.get("/v1/me", headers=bearer(as_tenant)))


def test_a_suspended_tenants_keys_stop_working(platform: Platform) -> None:
    tenant_id, admin = platform.new_tenant()
    other_id, other = platform.new_tenant()
    with platform.db.platform() as session:
        session.get(Tenant, tenant_id).status = "suspended"  # type: ignore[union-attr]
    r = platform.client.get("/v1/me", headers=bearer(admin))
    assert r.status_code == 401
    assert (r.json()["code"], r.json()["rule"]) == ("FB-TENANT-SUSPENDED", "tenant_active")
    r = platform.client.post(
        "/v1/keys", json={"label": "x", "scopes": ["credit:score"]}, headers=bearer(admin)
    )
    assert r.status_code == 401
    # Another tenant is not affected, and the tenant's keys work again once it is reactivated.
    assert platform.client.get("/v1/me", headers=bearer(other)).json()["tenant_id"] == other_id
    with platform.db.platform() as session:
        session.get(Tenant, tenant_id).status = "active"  # type: ignore[union-attr]
    assert platform.client.get("/v1/me", headers=bearer(admin)).json()["tenant_id"] == tenant_id


# --------------------------------------------------------------------------------------------
# in the service


def _refusal(call: object) -> FinbrainError:
    assert callable(call)
    with pytest.raises(FinbrainError) as info:
        call()
    return info.value


def test_authenticate_names_each_rule(platform: Platform) -> None:
    tenant_id, admin = platform.new_tenant()
    with platform.db.platform() as session:
        for presented, rule in [
            (None, "bearer_key_required"),
            ("", "bearer_key_required"),
            ("fbk_short", "key_format"),
            ("fbx_" + admin[4:], "key_format"),
            (admin + "A", "key_format"),
            (wrong_secret(admin), "known_key"),
            (wrong_secret(platform.operator_secret), "known_key"),
            ("fbk_01ARZ3NDEKTSV4RRFFQ69G5FAV_" + "A" * 43, "known_key"),
            ("fbo_01ARZ3NDEKTSV4RRFFQ69G5FAV_" + "A" * 43, "known_key"),
        ]:
            error = _refusal(lambda p=presented: tenancy.authenticate(session, p))
            assert isinstance(error, AuthenticationError), presented
            assert (error.code, error.rule) == ("FB-UNAUTHENTICATED", rule), presented
        # Surrounding blanks are forgiven, as a header copied from a terminal has them.
        principal = tenancy.authenticate(session, f"  {admin}\n")
        assert principal.kind == "tenant" and principal.tenant_id == tenant_id
        assert principal.scopes == ("admin",) and not principal.is_operator
        key_id = admin.split("_")[1]
        assert principal.key_id == key_id
        operator = tenancy.authenticate(session, platform.operator_secret)
        assert operator.is_operator and operator.tenant_id is None and operator.scopes == ()
        assert operator.key_id == platform.operator_secret.split("_")[1]


def test_revoked_keys_of_both_kinds_are_refused_in_the_service(platform: Platform) -> None:
    _, admin = platform.new_tenant()
    with platform.db.platform() as session:
        operator_key = tenancy.create_operator_key(session, label="second")
        assert operator_key.label == "second" and operator_key.tenant_id is None
        tenancy.revoke_key(session, admin.split("_")[1])
        tenancy.revoke_key(session, operator_key.id)
    with platform.db.platform() as session:
        for presented in (admin, operator_key.secret):
            error = _refusal(lambda p=presented: tenancy.authenticate(session, p))
            assert isinstance(error, AuthenticationError)
            assert error.status == 401 and error.rule is not None
        assert tenancy.has_operator_key(session)  # the platform's first operator key is live


def test_has_operator_key_counts_only_live_keys(platform: Platform) -> None:
    with platform.db.platform() as session:
        assert tenancy.has_operator_key(session)
        for op in session.scalars(select(OperatorKey)).all():
            tenancy.revoke_key(session, op.id)
        assert not tenancy.has_operator_key(session)


def test_tenant_names_are_checked_and_unique(platform: Platform) -> None:
    with platform.db.platform() as session:
        for name in ("", "   ", "x" * 201):
            error = _refusal(lambda n=name: tenancy.create_tenant(session, n))
            assert isinstance(error, ValidationError)
            assert (error.field, error.rule) == ("name", "length_1_to_200")
        tenant = tenancy.create_tenant(session, "y" * 200)
        assert (tenant.name, tenant.status) == ("y" * 200, "active")
        assert tenancy.create_tenant(session, "z").name == "z"
        error = _refusal(lambda: tenancy.create_tenant(session, "y" * 200))
        assert isinstance(error, ConflictError)
        assert (error.field, error.rule) == ("name", "unique")
        assert tenancy.get_tenant(session, tenant.id) is tenant
        error = _refusal(lambda: tenancy.get_tenant(session, "01ARZ3NDEKTSV4RRFFQ69G5FAV"))
        assert isinstance(error, NotFoundError) and error.params == {"kind": "tenant"}


def test_scopes_are_checked_and_kept_in_order(platform: Platform) -> None:
    assert tenancy.check_scopes(["risk:score", "credit:score", "risk:score"]) == (
        "risk:score",
        "credit:score",
    )
    error = _refusal(lambda: tenancy.check_scopes(["credit:score", "root", "sudo"]))
    assert isinstance(error, ValidationError)
    assert (error.field, error.rule) == ("scopes", "known_scope")
    assert "['root', 'sudo']" in str(error.detail)
    tenant_id, _ = platform.new_tenant()
    with platform.db.platform() as session:
        error = _refusal(
            lambda: tenancy.create_key(session, tenant_id, label="x", scopes=[], created_by="t")
        )
        assert isinstance(error, ValidationError)
        assert (error.field, error.rule) == ("scopes", "non_empty")
        error = _refusal(
            lambda: tenancy.create_key(
                session, "01ARZ3NDEKTSV4RRFFQ69G5FAV", label="x", created_by="t"
            )
        )
        assert isinstance(error, NotFoundError)
        issued = tenancy.create_key(
            session,
            tenant_id,
            label="loans",
            scopes=["credit:score", "credit:score"],
            created_by="ops",
        )
        assert (issued.tenant_id, issued.scopes, issued.label) == (
            tenant_id,
            ("credit:score",),
            "loans",
        )
        assert issued.secret.startswith(f"fbk_{issued.id}_")
        row = session.get(ApiKey, issued.id)
        assert row is not None
        assert (row.tenant_id, row.label, row.scopes, row.created_by) == (
            tenant_id,
            "loans",
            ["credit:score"],
            "ops",
        )
        assert row.revoked_at is None and row.created_at is not None
        assert tenancy.authenticate(session, issued.secret).scopes == ("credit:score",)


def test_a_key_is_revoked_only_within_its_own_tenant(platform: Platform) -> None:
    tenant_id, admin = platform.new_tenant()
    other_id, _ = platform.new_tenant()
    key_id = admin.split("_")[1]
    with platform.db.platform() as session:
        error = _refusal(lambda: tenancy.revoke_key(session, key_id, tenant_id=other_id))
        assert isinstance(error, NotFoundError) and error.params == {"kind": "key"}
        error = _refusal(lambda: tenancy.revoke_key(session, "01ARZ3NDEKTSV4RRFFQ69G5FAV"))
        assert isinstance(error, NotFoundError)
        # An operator key is not a tenant's to revoke.
        operator_id = platform.operator_secret.split("_")[1]
        error = _refusal(lambda: tenancy.revoke_key(session, operator_id, tenant_id=tenant_id))
        assert isinstance(error, NotFoundError)
        assert tenancy.authenticate(session, admin).tenant_id == tenant_id
        revoked = tenancy.revoke_key(session, key_id, tenant_id=tenant_id)
        first = revoked.revoked_at
        assert first is not None
        # Revoking twice keeps the first time.
        assert tenancy.revoke_key(session, key_id, tenant_id=tenant_id).revoked_at == first
    assert platform.client.get("/v1/me", headers=bearer(admin)).status_code == 401


def test_revocation_drops_the_cached_authentication_at_once(platform: Platform) -> None:
    _, admin = platform.new_tenant()
    _, other = platform.new_tenant()
    assert platform.client.get("/v1/me", headers=bearer(admin)).status_code == 200
    assert platform.client.get("/v1/me", headers=bearer(other)).status_code == 200
    assert tenancy.cached_principal(admin) is not None
    with platform.db.platform() as session:
        tenancy.revoke_key(session, admin.split("_")[1])
        assert tenancy.cached_principal(admin) is None  # dropped before the commit
    assert tenancy.cached_principal(admin) is None  # and again after it
    assert tenancy.cached_principal(other) is not None  # another key keeps its entry
    assert platform.client.get("/v1/me", headers=bearer(admin)).status_code == 401


def test_tenants_and_keys_are_listed_page_by_page(platform: Platform) -> None:
    made = sorted(platform.new_tenant()[0] for _ in range(5))
    with platform.db.platform() as session:
        every = [t.id for t in tenancy.list_tenants(session, limit=200)[0]]
        assert every == sorted(every) and set(made) <= set(every)
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page, cursor = tenancy.list_tenants(session, limit=2, cursor=cursor)
            assert len(page) <= 2
            seen += [t.id for t in page]
            if cursor is None:
                break
        assert seen == every
        page, cursor = tenancy.list_tenants(session, limit=len(every))
        assert len(page) == len(every) and cursor is None
        for bad in (0, 10_000):
            assert isinstance(
                _refusal(lambda b=bad: tenancy.list_tenants(session, limit=b)), ValidationError
            )
        tenant_id = made[0]
        first = tenancy.create_key(session, tenant_id, label="a", created_by="t")
        second = tenancy.create_key(session, tenant_id, label="b", created_by="t")
        listed = [k.id for k in tenancy.list_keys(session, tenant_id)]
        assert set(listed) >= {first.id, second.id} and listed == sorted(listed)
        assert all(k.tenant_id == tenant_id for k in tenancy.list_keys(session, tenant_id))
        assert first.id not in [k.id for k in tenancy.list_keys(session, made[1])]
        error = _refusal(lambda: tenancy.list_keys(session, "01ARZ3NDEKTSV4RRFFQ69G5FAV"))
        assert isinstance(error, NotFoundError)


def test_a_tenant_name_lost_in_a_race_is_a_conflict_not_a_crash(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests create the same name at once: both find it free, one insert fails."""
    with platform.db.platform() as session:
        tenancy.create_tenant(session, "并发银行")
    with platform.db.platform() as session:
        monkeypatch.setattr(session, "scalar", lambda *_a, **_k: None)  # the check saw no row
        error = _refusal(lambda: tenancy.create_tenant(session, "并发银行"))
        assert isinstance(error, ConflictError)
        assert (error.field, error.rule) == ("name", "unique")
        assert error.detail == "a tenant named '并发银行' exists"
        monkeypatch.undo()
        # The failed insert was rolled back to its savepoint: the session goes on.
        assert tenancy.create_tenant(session, "另一家银行").status == "active"


def test_a_conflicting_name_is_named_in_the_detail(platform: Platform) -> None:
    with platform.db.platform() as session:
        tenancy.create_tenant(session, "Bank A")
        error = _refusal(lambda: tenancy.create_tenant(session, "Bank A"))
        assert isinstance(error, ConflictError)
        assert error.detail == "a tenant named 'Bank A' exists"
        tenant = tenancy.create_tenant(session, "Bank B")
        assert tenant.created_at is not None and len(tenant.id) == 26


def test_issued_keys_carry_what_they_were_made_with(platform: Platform) -> None:
    with platform.db.platform() as session:
        operator = tenancy.create_operator_key(session, label="backup")
        assert (operator.tenant_id, operator.scopes, operator.label) == (None, (), "backup")
        assert operator.secret.startswith(f"fbo_{operator.id}_")
        assert len(operator.secret) == len("fbo_") + 26 + 1 + 43
        stored = session.get(OperatorKey, operator.id)
        assert stored is not None and stored.label == "backup"
        assert tenancy.create_operator_key(session).label == "operator"  # the default label
        assert stored.secret_hash != operator.secret and len(stored.secret_hash) == 64


def test_revoked_keys_are_refused_as_never_issued(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    _, admin = platform.new_tenant()
    with platform.db.platform() as session:
        operator = tenancy.create_operator_key(session)
        tenancy.revoke_key(session, admin.split("_")[1])
        tenancy.revoke_key(session, operator.id)
    with platform.db.platform() as session:
        for presented in (admin, operator.secret):
            error = _refusal(lambda p=presented: tenancy.authenticate(session, p))
            # The same refusal as an unknown key: nothing tells that the key once existed.
            assert (error.code, error.rule) == ("FB-UNAUTHENTICATED", "known_key")
    # Only the operator's log keeps the difference: which kind of key, and which key.
    with (
        caplog.at_level(logging.INFO, logger=tenancy.log.name),
        platform.db.platform() as session,
    ):
        for presented in (admin, operator.secret):
            _refusal(lambda p=presented: tenancy.authenticate(session, p))
    logged = [r.getMessage() for r in caplog.records if r.name == tenancy.log.name]
    assert logged == [
        f"a revoked tenant key was presented: {admin.split('_')[1]}",
        f"a revoked operator key was presented: {operator.id}",
    ]


def test_a_suspended_tenant_is_refused_in_the_service(platform: Platform) -> None:
    tenant_id, admin = platform.new_tenant()
    with platform.db.platform() as session:
        session.get(Tenant, tenant_id).status = "closed"  # type: ignore[union-attr]
    with platform.db.platform() as session:
        error = _refusal(lambda: tenancy.authenticate(session, admin))
        assert (error.code, error.rule, error.status) == (
            "FB-TENANT-SUSPENDED",
            "tenant_active",
            401,
        )


def test_revocation_drops_an_entry_cached_before_the_commit(platform: Platform) -> None:
    """A request that authenticates between the revocation and its commit caches the key once
    more; the commit drops it again."""
    _, admin = platform.new_tenant()
    with platform.db.platform() as session:
        principal = tenancy.authenticate(session, admin)
        tenancy.revoke_key(session, principal.key_id)
        tenancy.remember_principal(admin, principal)  # the request in between
        assert tenancy.cached_principal(admin) == principal
    assert tenancy.cached_principal(admin) is None


def test_listing_follows_the_ids_not_the_insertion_order(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ids handed out in descending order: a listing that forgot its ORDER BY shows them so.
    ids = iter(f"01ZZZZZZZZZZZZZZZZZZZZZ{n:03d}" for n in range(999, 0, -1))
    monkeypatch.setattr(tenancy, "new_id", lambda: next(ids))
    with platform.db.platform() as session:
        made = [tenancy.create_tenant(session, f"Ordered {i}").id for i in range(6)]
        keys = [
            tenancy.create_key(session, made[0], label=str(i), created_by="t") for i in range(4)
        ]
    assert made == sorted(made, reverse=True)
    with platform.db.platform() as session:
        listed = [k.id for k in tenancy.list_keys(session, made[0])]
        assert listed == sorted(k.id for k in keys)
        page, cursor = tenancy.list_tenants(session, limit=3)
        everyone = [t.id for t in tenancy.list_tenants(session, limit=100)[0]]
        assert everyone == sorted(everyone) and everyone[-6:] == sorted(made)
        assert [t.id for t in page] == everyone[:3] and cursor is not None
        rest, end = tenancy.list_tenants(session, limit=100, cursor=cursor)
        assert [t.id for t in rest] == everyone[3:] and end is None


def test_tenants_are_listed_fifty_at_a_time_by_default(platform: Platform) -> None:
    with platform.db.platform() as session:
        for i in range(51):
            tenancy.create_tenant(session, f"Bank {i:02d}")
        page, cursor = tenancy.list_tenants(session)
        assert len(page) == 50 and cursor is not None


# --------------------------------------------------------------------------------------------
# the authentication cache


def test_a_cache_entry_is_fresh_until_its_expiry_and_a_claim_lasts_the_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [5000.0]
    monkeypatch.setattr(tenancy.time, "monotonic", lambda: now[0])
    key = "fbk_cache_boundary_test"
    principal = tenancy.Principal(kind="tenant", key_id="K", tenant_id="T", scopes=("admin",))
    tenancy.remember_principal(key, principal)
    now[0] += tenancy.AUTH_CACHE_TTL  # exactly at the expiry: no longer fresh
    assert tenancy.cached_principal(key) is None
    assert tenancy.cached_principal(key, claim=True) is None  # claimed now
    now[0] += tenancy.AUTH_REFRESH_GRACE  # exactly at the end of the grace: over
    assert tenancy.cached_principal(key) is None
    tenancy.forget_presented(key)


def test_an_unclaimed_expired_entry_is_never_handed_out_even_early_in_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.5]  # monotonic clocks may start near zero
    monkeypatch.setattr(tenancy.time, "monotonic", lambda: now[0])
    key = "fbk_cache_early_clock_test"
    principal = tenancy.Principal(kind="tenant", key_id="K", tenant_id="T")
    tenancy.remember_principal(key, principal)
    now[0] = 0.5 + tenancy.AUTH_CACHE_TTL + 0.1
    assert tenancy.cached_principal(key) is None
    assert tenancy.cached_principal(key, claim=True) is None
    tenancy.forget_presented(key)


class _RacingLock:
    """A lock under which another request has just changed the entry (``change`` runs on
    entry), as a concurrent refresh or failure would."""

    def __init__(self, change: object) -> None:
        self.change = change

    def __enter__(self) -> None:
        assert callable(self.change)
        self.change()

    def __exit__(self, *_: object) -> None:
        return None


def test_a_claim_that_loses_a_race_takes_the_winners_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr(tenancy.time, "monotonic", lambda: now[0])
    key = "fbk_cache_race_test"
    old = tenancy.Principal(kind="tenant", key_id="K", tenant_id="T", scopes=("old",))
    new = tenancy.Principal(kind="tenant", key_id="K", tenant_id="T", scopes=("new",))
    tenancy.remember_principal(key, old)
    now[0] += tenancy.AUTH_CACHE_TTL + 0.5
    # Another request refreshed the entry meanwhile: its answer is taken, nothing is claimed.
    digest = tenancy._hash(key)
    refreshed = (new, now[0] + tenancy.AUTH_CACHE_TTL, 0.0)
    monkeypatch.setattr(
        tenancy, "_auth_lock", _RacingLock(lambda: tenancy._auth_cache.update({digest: refreshed}))
    )
    assert tenancy.cached_principal(key, claim=True) == new
    assert tenancy._auth_cache[digest] is refreshed
    # Another request's refresh failed meanwhile and dropped the entry: None, nothing cached.
    tenancy._auth_cache[digest] = (old, now[0] - 1, 0.0)
    monkeypatch.setattr(
        tenancy, "_auth_lock", _RacingLock(lambda: tenancy._auth_cache.pop(digest, None))
    )
    assert tenancy.cached_principal(key, claim=True) is None
    assert digest not in tenancy._auth_cache


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenancy, "_AUTH_CACHE_MAX", 3)
    monkeypatch.setattr(tenancy, "_auth_cache", {})
    principal = tenancy.Principal(kind="operator", key_id="O")
    for i in range(3):
        tenancy.remember_principal(f"fbo_bound_{i}", principal)
    assert len(tenancy._auth_cache) == 3
    tenancy.remember_principal("fbo_bound_3", principal)  # full: the cache starts over
    assert len(tenancy._auth_cache) == 1
    assert tenancy.cached_principal("fbo_bound_3") == principal
    assert tenancy.cached_principal("fbo_bound_0") is None


def test_recent_principal_is_a_hint_that_outlives_freshness_but_not_a_drop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [200.0]
    monkeypatch.setattr(tenancy.time, "monotonic", lambda: now[0])
    key = "fbk_recent_principal_test"
    principal = tenancy.Principal(kind="tenant", key_id="K", tenant_id="T")
    assert tenancy.recent_principal(None) is None and tenancy.recent_principal("") is None
    assert tenancy.recent_principal(key) is None  # never authenticated
    tenancy.remember_principal(key, principal)
    now[0] += 3600  # long expired: no authentication, still a hint
    assert tenancy.cached_principal(key) is None
    assert tenancy.recent_principal(key) == principal
    assert tenancy.recent_principal(f" {key}\n") == principal
    assert tenancy.recent_principal(key + "x") is None
    tenancy.forget_presented(key)
    assert tenancy.recent_principal(key) is None
