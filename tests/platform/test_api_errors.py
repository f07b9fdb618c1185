"""Bad input gets a 4xx problem naming the field and rule; never a 500, never a partial write."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from finbrain.platform.store.models import ApiKey, Tenant
from tests.conftest import Platform


def _counts(p: Platform) -> tuple[int, int]:
    with p.db.platform() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Tenant)) or 0),
            int(s.scalar(select(func.count()).select_from(ApiKey)) or 0),
        )


@pytest.mark.parametrize(
    ("body", "status", "field", "rule"),
    [
        (b"{not json", 400, "body", "json_syntax"),
        (b'{"name": 12}', 422, "name", "string_type"),
        (b'{"name": "A", "admin_key_label": "x", "extra": true}', 422, "extra", "extra_forbidden"),
        (b"{}", 422, "name", "missing"),
        (b"[]", 422, "body", "model_attributes_type"),
        (b'{"name": "' + b"x" * 300 + b'"}', 422, "name", "string_too_long"),
        (b'{"name": "   "}', 422, "name", "string_pattern_mismatch"),
        (b'{"name": "Bank\\u0000"}', 422, "name", "string_pattern_mismatch"),
    ],
)
def test_bad_bodies(platform: Platform, body: bytes, status: int, field: str, rule: str) -> None:
    before = _counts(platform)
    r = platform.client.post(
        "/v1/tenants",
        content=body,
        headers=platform.operator_headers(
            **{"content-type": "application/json", "Accept-Language": "en"}
        ),
    )
    assert r.status_code == status, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert problem["status"] == status and problem["field"] == field and problem["rule"] == rule
    assert problem["type"].startswith("/problems/") and problem["instance"] == "/v1/tenants"
    assert _counts(platform) == before


def test_duplicate_tenant_is_a_conflict_without_partial_write(platform: Platform) -> None:
    platform.client.post("/v1/tenants", json={"name": "Dup"}, headers=platform.operator_headers())
    before = _counts(platform)
    r = platform.client.post(
        "/v1/tenants", json={"name": "Dup"}, headers=platform.operator_headers()
    )
    assert r.status_code == 409 and r.json()["field"] == "name" and r.json()["rule"] == "unique"
    assert _counts(platform) == before


def test_oversized_bodies_are_refused(platform: Platform) -> None:
    limit = platform.settings.max_body_bytes
    big = b'{"name": "' + b"x" * (limit + 10) + b'"}'
    r = platform.client.post("/v1/tenants", content=big, headers=platform.operator_headers())
    assert r.status_code == 413 and r.json()["code"] == "FB-PAYLOAD-TOO-LARGE"
    assert r.headers["x-request-id"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(limit // 1000 + 5):
            yield b"x" * 1000

    r = platform.client.post("/v1/tenants", content=chunks(), headers=platform.operator_headers())
    assert r.status_code == 413
    assert _counts(platform) == (0, 0)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=201", "limit"),
        ("cursor=%%%", "cursor"),
        ("capability=Bad Word", "capability"),
        ("limt=5", "limt"),
    ],
)
def test_bad_query_parameters(platform: Platform, query: str, field: str) -> None:
    _, admin = platform.new_tenant()
    r = platform.client.get(f"/v1/decisions?{query}", headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


def test_request_id_is_echoed_or_made(platform: Platform) -> None:
    r = platform.client.get("/healthz", headers={"X-Request-ID": "bank-trace-42"})
    assert r.headers["x-request-id"] == "bank-trace-42"
    r = platform.client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert (
        r.headers["x-request-id"] != "bad id with spaces" and len(r.headers["x-request-id"]) == 26
    )
    r = platform.client.get("/v1/decisions")
    assert r.json()["request_id"] == r.headers["x-request-id"]


def test_problem_language_follows_accept_language(platform: Platform) -> None:
    zh = platform.client.get("/v1/decisions", headers={"Accept-Language": "zh-CN"})
    en = platform.client.get("/v1/decisions", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert zh.headers["content-language"] == "zh" and "密钥" in zh.json()["title"]
    assert en.headers["content-language"] == "en" and "API key" in en.json()["title"]


def test_unknown_route_and_method(platform: Platform) -> None:
    r = platform.client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "FB-ROUTE-NOT-FOUND"
    r = platform.client.put("/v1/decisions", json={})
    assert r.status_code == 405 and r.json()["code"] == "FB-METHOD-NOT-ALLOWED"


@pytest.mark.parametrize("query", ["limit=5&limit=6", "=x", "&&limt=1"])
def test_repeated_blank_or_unknown_query_parameters(platform: Platform, query: str) -> None:
    _, admin = platform.new_tenant()
    r = platform.client.get(f"/v1/decisions?{query}", headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 422, r.text
