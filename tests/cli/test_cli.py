"""The finbrain command end to end on embedded storage (and on PostgreSQL for db upgrade)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from finbrain.cli.main import app
from finbrain.core.settings import get_settings, reset_settings
from finbrain.platform import tenancy
from finbrain.platform.store.database import Database

runner = CliRunner()
KEY = re.compile(r"fb[ko]_[0-9A-Z]{26}_[A-Za-z0-9_\-]{43}")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_tenant_and_key_lifecycle() -> None:
    run("db", "upgrade")
    out = run("tenants", "create", "Bank of Tests")
    secrets = KEY.findall(out.replace("\n", ""))
    operator = [s for s in secrets if s.startswith("fbo_")]
    admin = [s for s in secrets if s.startswith("fbk_")]
    assert len(operator) == 1 and len(admin) == 1
    # The operator key is created once; a second tenant shows only its own admin key.
    out2 = run("tenants", "create", "Second Bank")
    assert not [s for s in KEY.findall(out2.replace("\n", "")) if s.startswith("fbo_")]
    listing = run("tenants", "list")
    assert "Bank of Tests" in listing and "Second Bank" in listing

    db = Database(get_settings())
    try:
        with db.platform() as session:
            principal = tenancy.authenticate(session, admin[0])
        assert principal.scopes == ("admin",)
        out = run(
            "keys",
            "create",
            "--tenant",
            principal.tenant_id or "",
            "--scope",
            "credit:score",
            "--label",
            "los",
        )
        new_key = KEY.findall(out.replace("\n", ""))[0]
        key_id = new_key.split("_")[1]
        run("keys", "revoke", key_id)
        with db.platform() as session, pytest.raises(Exception, match=r"known_key"):
            tenancy.authenticate(session, new_key)
    finally:
        db.dispose()


def test_errors_are_clear_and_exit_nonzero() -> None:
    run("db", "upgrade")
    run("tenants", "create", "Dup Bank")
    result = runner.invoke(app, ["tenants", "create", "Dup Bank"])
    assert result.exit_code == 2 and "FB-CONFLICT" in result.output
    result = runner.invoke(app, ["keys", "create", "--tenant", "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
    assert result.exit_code == 2 and "tenant was not found" in result.output
    db = Database(get_settings())
    with db.platform() as session:
        tenant_id = tenancy.list_tenants(session)[0][0].id
    db.dispose()
    result = runner.invoke(app, ["keys", "create", "--tenant", tenant_id, "--scope", "nope"])
    assert result.exit_code == 2 and "Field 'scopes' breaks the rule 'known_scope'" in result.output
    result = runner.invoke(app, ["keys", "create"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_demo_sets_up_and_rotates_its_key() -> None:
    first = run("demo", "--no-serve")
    assert "/console/" in first and "/docs" in first
    key1 = [
        s for s in KEY.findall(first.replace("\n", "").replace("│", "")) if s.startswith("fbk_")
    ]
    second = run("demo", "--no-serve")
    key2 = [
        s for s in KEY.findall(second.replace("\n", "").replace("│", "")) if s.startswith("fbk_")
    ]
    assert key1 and key2 and key1 != key2
    reset_settings()
    db = Database(get_settings())
    try:
        with db.platform() as session:
            assert tenancy.authenticate(session, key2[0]).scopes == ("admin",)
            with pytest.raises(Exception, match=r"known_key"):  # revoked: as never issued
                tenancy.authenticate(session, key1[0])
    finally:
        db.dispose()


@pytest.mark.postgres
def test_db_upgrade_on_postgres(postgres_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import _wipe_postgres

    _wipe_postgres(postgres_server)
    monkeypatch.setenv("FINBRAIN_DATABASE_URL", postgres_server)
    reset_settings()
    from tests.platform.test_store import _newest_migration

    assert f"revision {_newest_migration()}" in run("db", "upgrade")
    out = run("tenants", "create", "PG Bank")
    assert "PG Bank" in out
