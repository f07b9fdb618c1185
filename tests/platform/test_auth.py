"""Keys: random, shown once, stored hashed, scoped, revocable; every request attributed."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from finbrain.platform.store.models import ApiKey, OperatorKey
from tests.conftest import Platform


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer nope",
        "Basic dXNlcjpwYXNz",
        "Bearer fbk_01ARZ3NDEKTSV4RRFFQ69G5FAV_" + "A" * 43,
    ],
)
def test_unknown_or_malformed_keys_get_401(platform: Platform, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    r = platform.client.get("/v1/decisions", headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "FB-UNAUTHENTICATED"
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_key_lifecycle_over_the_api(platform: Platform) -> None:
    created = platform.client.post(
        "/v1/tenants", json={"name": "招商演示银行"}, headers=platform.operator_headers()
    )
    assert created.status_code == 201, created.text
    body = created.json()
    tenant_id, admin = body["tenant"]["id"], body["admin_key"]["secret"]
    assert admin.startswith("fbk_") and body["admin_key"]["scopes"] == ["admin"]

    # The admin key mints a narrower key for a bank system.
    r = platform.client.post(
        "/v1/keys", json={"label": "loan system", "scopes": ["credit:score"]}, headers=bearer(admin)
    )
    assert r.status_code == 201
    narrow_id, narrow = r.json()["id"], r.json()["secret"]
    me = platform.client.get("/v1/me", headers=bearer(narrow)).json()
    assert me["tenant_id"] == tenant_id and me["scopes"] == ["credit:score"]

    # Missing scope: 403 naming the scope.
    r = platform.client.get("/v1/decisions", headers=bearer(narrow))
    assert r.status_code == 403 and r.json()["code"] == "FB-FORBIDDEN"
    assert "decisions:read" in r.json()["title"] or "decisions:read" in str(r.json())

    # Listing never shows a secret again; the store holds only hashes.
    listed = platform.client.get("/v1/keys", headers=bearer(admin)).json()["items"]
    assert {k["id"] for k in listed} >= {narrow_id}
    assert all("secret" not in k for k in listed)
    with platform.db.platform() as session:
        stored = session.scalars(select(ApiKey.secret_hash)).all()
    assert narrow not in stored and all(len(h) == 64 for h in stored)
    assert narrow.split("_", 2)[2] not in " ".join(stored)

    # Revoked keys stop working at once.
    r = platform.client.delete(f"/v1/keys/{narrow_id}", headers=bearer(admin))
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = platform.client.get("/v1/me", headers=bearer(narrow))
    assert r.status_code == 401 and r.json()["rule"] == "known_key"  # as if never issued


def test_operator_and_tenant_keys_stay_in_their_lanes(platform: Platform) -> None:
    _, admin = platform.new_tenant()
    r = platform.client.get("/v1/tenants", headers=bearer(admin))
    assert r.status_code == 403 and r.json()["code"] == "FB-OPERATOR-ONLY"
    r = platform.client.get("/v1/decisions", headers=platform.operator_headers())
    assert r.status_code == 403


def test_operator_manages_tenant_keys_and_unknown_scopes_are_named(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    r = platform.client.post(
        f"/v1/tenants/{tenant_id}/keys",
        json={"label": "x", "scopes": ["credit:score", "root"]},
        headers=platform.operator_headers(),
    )
    assert r.status_code == 422
    assert r.json()["field"] == "scopes.1" and r.json()["rule"] == "known_scope"
    r = platform.client.post(
        f"/v1/tenants/{tenant_id}/keys",
        json={"label": "risk", "scopes": ["risk:score"]},
        headers=platform.operator_headers(),
    )
    assert r.status_code == 201
    key_id = r.json()["id"]
    keys = platform.client.get(
        f"/v1/tenants/{tenant_id}/keys", headers=platform.operator_headers()
    ).json()["items"]
    assert key_id in {k["id"] for k in keys}
    r = platform.client.delete(
        f"/v1/tenants/{tenant_id}/keys/{key_id}", headers=platform.operator_headers()
    )
    assert r.status_code == 200
    # Revoking through another tenant's path is a 404, not a revocation.
    other_id, _ = platform.new_tenant()
    r = platform.client.post(
        f"/v1/tenants/{tenant_id}/keys", json={"label": "y"}, headers=platform.operator_headers()
    )
    r = platform.client.delete(
        f"/v1/tenants/{other_id}/keys/{r.json()['id']}", headers=platform.operator_headers()
    )
    assert r.status_code == 404


def test_revoked_operator_key_is_refused(platform: Platform) -> None:
    with platform.db.platform() as session:
        op = session.scalars(select(OperatorKey)).first()
        assert op is not None
        from finbrain.platform import tenancy

        tenancy.revoke_key(session, op.id)
    r = platform.client.get("/v1/tenants", headers=platform.operator_headers())
    assert r.status_code == 401


def test_requests_are_attributed_and_keys_never_logged(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    from finbrain.core.privacy import MaskingFilter

    tenant_id, admin = platform.new_tenant()
    masking = MaskingFilter()
    access = logging.getLogger("finbrain.access")
    access.addFilter(masking)
    try:
        with caplog.at_level(logging.INFO):
            platform.client.get(
                "/v1/decisions?subject_id=110101199003074518", headers=bearer(admin)
            )
            platform.client.get("/v1/me", headers=bearer(admin + "x"))
    finally:
        access.removeFilter(masking)
    lines = [r for r in caplog.records if r.name == "finbrain.access"]
    assert lines and lines[0].fb_tenant == tenant_id  # type: ignore[attr-defined]
    assert lines[0].fb_key != "-"  # type: ignore[attr-defined]
    text = caplog.text
    # fbk_<key id>_<secret>: the secret itself may contain "_", so split twice only.
    assert admin not in text and admin.split("_", 2)[2][:12] not in text


def test_an_expired_key_is_read_again_by_one_request_while_the_others_wait_on_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Single flight: at expiry one request re-reads the key; the rest keep the previous answer
    for at most the grace, so requests in flight never all hit the database at once."""
    from finbrain.platform import tenancy
    from finbrain.platform.tenancy import Principal

    now = [1000.0]
    monkeypatch.setattr(tenancy.time, "monotonic", lambda: now[0])
    key = "fbk_single_flight_test_key"
    principal = Principal(kind="tenant", key_id="K1", tenant_id="T1", scopes=("risk:score",))
    tenancy.remember_principal(key, principal)
    assert tenancy.cached_principal(key, claim=True) == principal  # fresh
    now[0] += tenancy.AUTH_CACHE_TTL + 0.1
    assert tenancy.cached_principal(key) is None  # expired, unclaimed: a check claims nothing
    assert tenancy.cached_principal(key, claim=True) is None  # this caller owes the refresh
    assert tenancy.cached_principal(key, claim=True) == principal  # the others wait on it
    assert tenancy.cached_principal(key) == principal
    now[0] += tenancy.AUTH_REFRESH_GRACE + 0.1  # the refresher never came back
    assert tenancy.cached_principal(key, claim=True) is None  # another one takes it over
    tenancy.remember_principal(key, principal)
    assert tenancy.cached_principal(key) == principal
    tenancy.forget_presented(key)  # a failed refresh drops the entry
    assert tenancy.cached_principal(key, claim=True) is None
    assert tenancy.cached_principal(key, claim=True) is None  # nothing stale is handed out
