from __future__ import annotations

from sqlalchemy import text

from tests.conftest import Platform


def test_liveness_and_readiness(platform: Platform) -> None:
    assert platform.client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = platform.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_not_ready_when_schema_is_behind(sqlite_platform: Platform) -> None:
    with sqlite_platform.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    r = sqlite_platform.client.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"


def test_openapi_documents_problems_and_security(platform: Platform) -> None:
    spec = platform.client.get("/openapi.json").json()
    op = spec["paths"]["/v1/decisions"]["get"]
    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert spec["components"]["securitySchemes"]
    post = spec["paths"]["/v1/tenants"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert platform.client.get("/docs").status_code == 200
