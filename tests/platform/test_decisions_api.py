"""GET /v1/decisions: newest first, cursor pagination, filters; GET /v1/decisions/{id}."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from finbrain.core.errors import ConflictError
from finbrain.platform import decisions
from finbrain.platform.store.models import DecisionRow, LedgerHead
from tests.conftest import Platform
from tests.platform.helpers import add_decisions


def test_pages_cover_everything_once_in_order(platform: Platform) -> None:
    tenant_id, admin = platform.new_tenant()
    made = add_decisions(platform.db, tenant_id, 125)
    h = {"Authorization": f"Bearer {admin}"}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        url = "/v1/decisions?limit=50" + (f"&cursor={cursor}" if cursor else "")
        body = platform.client.get(url, headers=h).json()
        seen += [d["id"] for d in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted((d.id for d in made), reverse=True)


def test_filters_and_detail(platform: Platform) -> None:
    tenant_id, admin = platform.new_tenant()
    made = add_decisions(platform.db, tenant_id, 9)
    h = {"Authorization": f"Bearer {admin}"}
    declines = platform.client.get("/v1/decisions?outcome=decline", headers=h).json()["items"]
    assert len(declines) == 3 and {d["outcome"] for d in declines} == {"decline"}
    by_subject = platform.client.get(
        "/v1/decisions?subject_type=applicant&subject_id=A4", headers=h
    ).json()["items"]
    assert [d["id"] for d in by_subject] == [made[4].id]
    detail = platform.client.get(f"/v1/decisions/{made[4].id}", headers=h).json()
    assert detail["reasons"][0]["text"] == {"zh": "测试原因", "en": "test reason"}
    assert detail["input_digest"] == made[4].input_digest
    assert detail["created_at"].endswith("Z") or detail["created_at"].endswith("+00:00")


def test_scope_decisions_read_suffices(platform: Platform) -> None:
    tenant_id, reader = platform.new_tenant(scopes=["decisions:read"])
    add_decisions(platform.db, tenant_id, 2)
    r = platform.client.get("/v1/decisions", headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 200 and len(r.json()["items"]) == 2


def test_a_minted_batch_skips_the_lookup_but_never_stores_an_id_twice(platform: Platform) -> None:
    """``record_many(minted=True)`` (the risk scoring path) skips the query for stored ids; a
    repeated id is still refused by the primary key, and nothing of the batch is written."""
    tenant_id, _ = platform.new_tenant()
    made = add_decisions(platform.db, tenant_id, 2)
    again = made[1].model_copy(update={"receipt": None})
    for minted, error in ((False, ConflictError), (True, IntegrityError)):
        with pytest.raises(error), platform.db.tenant(tenant_id) as session:
            decisions.record_many(session, [again], settings=platform.settings, minted=minted)
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 2
        assert session.scalar(select(LedgerHead.size)) == 2  # the ledger did not grow
