"""Idempotency-Key: same key + same body → same response; another body → 409; exactly once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from finbrain.platform.store.models import Tenant
from tests.conftest import Platform


def _tenant_count(p: Platform) -> int:
    with p.db.platform() as session:
        return int(session.scalar(select(func.count()).select_from(Tenant)) or 0)


def test_retry_replays_and_other_body_conflicts(platform: Platform) -> None:
    h = platform.operator_headers(**{"Idempotency-Key": "create-bank-1"})
    first = platform.client.post("/v1/tenants", json={"name": "Retry Bank"}, headers=h)
    assert first.status_code == 201
    # Same body in another key order / spacing is the same request.
    again = platform.client.post(
        "/v1/tenants",
        content=b'{ "name" :  "Retry Bank" }',
        headers={**h, "content-type": "application/json"},
    )
    assert again.status_code == 201
    assert again.json() == first.json()  # including the one-time secret
    assert again.headers["idempotent-replayed"] == "true"
    assert _tenant_count(platform) == 1
    other = platform.client.post("/v1/tenants", json={"name": "Other Bank"}, headers=h)
    assert other.status_code == 409
    assert other.json()["code"] == "FB-IDEMPOTENCY-KEY-REUSED"
    assert other.json()["field"] == "Idempotency-Key"
    assert _tenant_count(platform) == 1


def test_keys_are_per_caller(platform: Platform) -> None:
    _, a = platform.new_tenant()
    _, b = platform.new_tenant()
    for secret in (a, b):
        r = platform.client.post(
            "/v1/keys",
            json={"label": "k"},
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "same"},
        )
        assert r.status_code == 201 and "idempotent-replayed" not in r.headers


def test_failed_requests_are_not_remembered(platform: Platform) -> None:
    h = platform.operator_headers(**{"Idempotency-Key": "k-fail"})
    bad = platform.client.post("/v1/tenants", json={"name": ""}, headers=h)
    assert bad.status_code == 422
    good = platform.client.post("/v1/tenants", json={"name": "Fixed Bank"}, headers=h)
    assert good.status_code == 201


def test_invalid_idempotency_key_is_named(platform: Platform) -> None:
    h = platform.operator_headers(**{"Idempotency-Key": "x" * 300})
    r = platform.client.post("/v1/tenants", json={"name": "K"}, headers=h)
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["field"]
    assert _tenant_count(platform) == 0


def test_concurrent_retries_apply_exactly_once(platform: Platform) -> None:
    h = platform.operator_headers(**{"Idempotency-Key": "race"})
    results: list[tuple[int, dict[str, object]]] = []
    lock = threading.Lock()

    def call() -> None:
        r = platform.client.post("/v1/tenants", json={"name": "Race Bank"}, headers=h)
        with lock:
            results.append((r.status_code, r.json()))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _tenant_count(platform) == 1
    created = [body for status, body in results if status == 201]
    assert created and all(body == created[0] for body in created)
    assert all(status in (201, 409) for status, _ in results), results
