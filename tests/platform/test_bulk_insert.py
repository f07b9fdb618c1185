"""BulkInsert stores exactly what a Core insert of the same rows stores, on SQLite and
PostgreSQL: the same conversions (aware datetimes, JSON including a JSON null, bytes), in the
caller's transaction and under its tenant scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from finbrain.core.decision import new_id
from finbrain.platform.ledger import LEAVES
from finbrain.platform.risk.log import EVENTS
from finbrain.platform.store.bulk import BulkInsert
from tests.conftest import Platform

COLUMNS = ("tenant_id", "event_id", "occurred_at", "body", "decision_id", "outcome", "score",
           "created_at")  # fmt: skip


def _events(tenant_id: str, prefix: str) -> list[dict[str, Any]]:
    at = datetime(2026, 11, 28, 12, 0, 0, 123456, tzinfo=UTC)
    bodies: list[Any] = [
        {"event": {"amount": "12.50", "merchant": "中文商户"}, "features": {"n": 3.0, "x": 0.25}},
        None,  # Core writes a JSON null, not SQL NULL
        ["list", 1, 2.5, True, None],
        {"big": 2**70},  # beyond orjson: the column's own processor writes it
    ]
    return [
        {
            "tenant_id": tenant_id,
            "event_id": f"{prefix}-{i}",
            "occurred_at": at + timedelta(seconds=i),
            "body": body,
            "decision_id": new_id(),
            "outcome": "allow",
            "score": 1.5 * i,
            "created_at": at.astimezone(),  # another zone: stored as the same instant in UTC
        }
        for i, body in enumerate(bodies)
    ]


def _stored(platform: Platform, tenant_id: str, prefix: str) -> list[tuple[Any, ...]]:
    with platform.db.tenant(tenant_id, write=False) as session:
        rows = session.connection().execute(
            select(*[EVENTS.c[name] for name in COLUMNS if name != "decision_id"])
            .where(EVENTS.c.event_id.like(f"{prefix}-%"))
            .order_by(EVENTS.c.event_id)
        )
        return [tuple(row) for row in rows]


@pytest.mark.parametrize("orjson", [False, True], ids=["json", "orjson"])
def test_the_same_rows_as_a_core_insert(platform: Platform, orjson: bool) -> None:
    tenant_id, _ = platform.new_tenant()
    bulk_insert = BulkInsert(EVENTS, COLUMNS, canonical_json_columns=orjson)
    with platform.db.tenant(tenant_id) as session:
        connection = session.connection()
        connection.execute(insert(EVENTS), _events(tenant_id, "core"))
        bulk_insert.execute(connection, _events(tenant_id, "bulk"))
    core, bulk = _stored(platform, tenant_id, "core"), _stored(platform, tenant_id, "bulk")
    assert len(bulk) == 4 and bulk[3][3] == {"big": 2**70}
    assert [row[2:] for row in bulk] == [row[2:] for row in core]
    assert bulk[0][2].tzinfo is not None and bulk[0][2].microsecond == 123456
    assert bulk[1][3] is None  # read back from the JSON null
    with platform.db.tenant(tenant_id, write=False) as session:
        raw = session.connection().execute(
            select(EVENTS.c.body.is_(None)).where(EVENTS.c.event_id == "bulk-1")
        )
        assert raw.scalar() is False  # a JSON null, as Core stores it: not SQL NULL


def test_bytes_and_a_rolled_back_transaction(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    leaves = BulkInsert(
        LEAVES, ("tenant_id", "leaf_index", "entry", "leaf_hash", "decision_id", "created_at")
    )
    row = {
        "tenant_id": tenant_id,
        "leaf_index": 10**6,
        "entry": b'{"a":1}',
        "leaf_hash": bytes(range(32)),
        "decision_id": None,
        "created_at": datetime.now(UTC),
    }
    with pytest.raises(RuntimeError), platform.db.tenant(tenant_id) as session:
        leaves.execute(session.connection(), [row])
        raise RuntimeError("the caller fails: the rows go with its transaction")
    with platform.db.tenant(tenant_id) as session:
        assert session.connection().execute(select(LEAVES.c.entry)).first() is None
        leaves.execute(session.connection(), [row])
    with platform.db.tenant(tenant_id, write=False) as session:
        stored = session.connection().execute(select(LEAVES.c.entry, LEAVES.c.leaf_hash)).one()
    assert bytes(stored.entry) == b'{"a":1}' and bytes(stored.leaf_hash) == bytes(range(32))


def test_unknown_columns_and_missing_values_are_refused(sqlite_platform: Platform) -> None:
    with pytest.raises(ValueError, match="no column 'nope'"):
        BulkInsert(EVENTS, ("tenant_id", "nope"))
    tenant_id, _ = sqlite_platform.new_tenant()
    rows = _events(tenant_id, "x")
    del rows[-1]["score"]
    with pytest.raises(KeyError, match="score"), sqlite_platform.db.tenant(tenant_id) as session:
        BulkInsert(EVENTS, COLUMNS).execute(session.connection(), rows)
    assert _stored(sqlite_platform, tenant_id, "x") == []  # not even the complete rows
