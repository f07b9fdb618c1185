"""A revoked key is answered exactly like a key that never existed: the same status, body and
headers (but the request's own id), so a 401 tells an attacker nothing about which keys were
ever issued."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform

SAME_EXCEPT = {"request_id"}


def _answer(
    platform: Platform, secret: str, path: str = "/v1/me"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    r = platform.client.get(path, headers={"Authorization": f"Bearer {secret}"})
    body = {k: v for k, v in r.json().items() if k not in SAME_EXCEPT}
    headers = {k: v for k, v in r.headers.items() if k.lower() != "x-request-id"}
    return r.status_code, body, headers


def _never_issued(secret: str) -> str:
    """A well-formed key of the same kind whose id and secret were never issued."""
    kind, key_id, rest = secret.split("_", 2)
    return f"{kind}_{'0' * len(key_id)}_{'A' * len(rest)}"


def test_a_revoked_key_is_answered_as_an_unknown_one(platform: Platform) -> None:
    _, admin = platform.new_tenant()
    r = platform.client.post(
        "/v1/keys",
        json={"label": "to revoke", "scopes": ["decisions:read"]},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    assert (
        platform.client.get(
            "/v1/me", headers={"Authorization": f"Bearer {issued['secret']}"}
        ).status_code
        == 200
    )
    r = platform.client.delete(
        f"/v1/keys/{issued['id']}", headers={"Authorization": f"Bearer {admin}"}
    )
    assert r.status_code == 200 and r.json()["revoked_at"]
    for path in ("/v1/me", "/v1/decisions"):
        revoked = _answer(platform, issued["secret"], path)
        unknown = _answer(platform, _never_issued(issued["secret"]), path)
        assert revoked[0] == 401
        assert revoked == unknown
        assert "revoked" not in str(revoked).lower()
    # The operator's keys too.
    with platform.db.platform() as session:
        from finbrain.platform import tenancy

        operator = tenancy.create_operator_key(session)
    with platform.db.platform() as session:
        tenancy.revoke_key(session, operator.id)
    assert _answer(platform, operator.secret, "/v1/tenants") == _answer(
        platform, _never_issued(operator.secret), "/v1/tenants"
    )
