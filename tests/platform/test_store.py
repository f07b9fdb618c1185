"""Storage: migrations, SQLite WAL, and tenant isolation enforced by the database itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from finbrain.core.errors import ConfigurationError, NotFoundError
from finbrain.platform import decisions, store
from finbrain.platform.store.migrate import current_revision, head_revision, upgrade
from finbrain.platform.store.models import Base, DecisionRow
from tests.conftest import Platform
from tests.platform.helpers import add_decisions


def _newest_migration() -> str:
    """The revision of the newest file under migrations/versions (``0008_…`` -> ``0008``)."""
    versions = Path(store.__file__).parent / "migrations" / "versions"
    return max(p.name.split("_", 1)[0] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))


def test_migrations_reach_head_and_are_rerunnable(platform: Platform) -> None:
    newest = _newest_migration()
    assert current_revision(platform.settings) == head_revision(platform.settings) == newest
    upgrade(platform.settings)  # idempotent
    assert current_revision(platform.settings) == newest


def test_sqlite_runs_in_wal_mode(sqlite_platform: Platform) -> None:
    with sqlite_platform.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_orm_queries_see_one_tenant(platform: Platform) -> None:
    a, _ = platform.new_tenant()
    b, _ = platform.new_tenant()
    add_decisions(platform.db, a, 3)
    mine = add_decisions(platform.db, b, 2)
    with platform.db.tenant(b) as session:
        rows = session.scalars(select(DecisionRow)).all()  # no WHERE written here
        assert sorted(r.id for r in rows) == sorted(d.id for d in mine)
    other = add_decisions(platform.db, a, 1)[0].id
    with platform.db.tenant(b) as session, pytest.raises(NotFoundError):
        decisions.get(session, other)


def test_unscoped_sessions_are_refused(platform: Platform) -> None:
    session = platform.db.session()
    try:
        with pytest.raises(ConfigurationError):
            session.scalars(select(DecisionRow)).all()
    finally:
        session.close()


def test_writing_another_tenants_row_is_refused(platform: Platform) -> None:
    a, _ = platform.new_tenant()
    b, _ = platform.new_tenant()
    with pytest.raises(ConfigurationError), platform.db.tenant(a) as session:
        add = DecisionRow(
            id="01ARZ3NDEKTSV4RRFFQ69G5FAV",
            tenant_id=b,
            capability="c",
            action="a",
            subject_type="s",
            subject_id="1",
            outcome="o",
            reasons=[],
            input_digest="0" * 64,
            created_at=__import__("datetime").datetime.now(__import__("datetime").UTC),
        )
        session.add(add)
        session.flush()


@pytest.mark.postgres
def test_row_level_security_holds_without_the_query_layer(postgres_server: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_platform

    p = make_platform("postgres", tmp_path, postgres_server)
    try:
        a, _ = p.new_tenant()
        b, _ = p.new_tenant()
        add_decisions(p.db, a, 3)
        add_decisions(p.db, b, 2)
        with p.db.engine.connect() as conn:
            # Connected as a superuser, the app still runs as the RLS-bound role.
            assert (
                conn.execute(text("SELECT current_user")).scalar() == p.settings.postgres_app_role
            )
            conn.commit()
            with conn.begin():
                # Raw SQL, no filter: the database itself shows nothing without a tenant scope.
                assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 0
            with conn.begin():
                conn.execute(text("SELECT set_config('finbrain.tenant_id', :t, true)"), {"t": a})
                assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 3
                assert (
                    conn.execute(
                        text("SELECT count(*) FROM decisions WHERE tenant_id = :b"), {"b": b}
                    ).scalar()
                    == 0
                )
                # Updates and deletes cannot reach another tenant's rows either.
                assert (
                    conn.execute(
                        text("UPDATE decisions SET outcome='x' WHERE tenant_id = :b"), {"b": b}
                    ).rowcount
                    == 0
                )
            # The platform scope (operator) still cannot read decisions.
            with conn.begin():
                conn.execute(text("SELECT set_config('finbrain.platform', 'on', true)"))
                assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 0
            # SET LOCAL semantics: the scope ended with its transaction.
            with conn.begin():
                assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 0
            # Inserting a row for another tenant is refused by the policy's WITH CHECK.
            with pytest.raises(DBAPIError), conn.begin():
                conn.execute(text("SELECT set_config('finbrain.tenant_id', :t, true)"), {"t": a})
                conn.execute(
                    text(
                        "INSERT INTO decisions (id, tenant_id, capability, action, subject_type, "
                        "subject_id, outcome, reasons, input_digest, created_at) VALUES "
                        "('01ARZ3NDEKTSV4RRFFQ69G5FAV', :b, 'c', 'a', 's', '1', 'o', '[]', :d, "
                        "now())"
                    ),
                    {"b": b, "d": "0" * 64},
                )
        with p.db.engine.connect() as conn:
            forced = (
                conn.execute(
                    text(
                        "SELECT relname FROM pg_class WHERE relforcerowsecurity AND relrowsecurity"
                    )
                )
                .scalars()
                .all()
            )
        # Every table with a tenant_id is isolated, whichever capability added it.
        tenant_tables = {t.name for t in Base.metadata.tables.values() if "tenant_id" in t.c}
        assert tenant_tables - {"tenants"} <= set(forced)
        assert {"tenants", "decisions", "advisory_clients", "screening_allows"} <= set(forced)

    finally:
        p.client.close()
        p.db.dispose()


def test_migrations_match_the_models(platform: Platform) -> None:
    """The hand-written migrations create exactly what the ORM models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from finbrain.platform.store.models import Base

    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
