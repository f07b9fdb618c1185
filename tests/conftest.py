"""Shared fixtures: a platform on SQLite and, where a server is reachable, on PostgreSQL.

PostgreSQL and Redis tests run against real servers. When one is unreachable they are skipped
with a notice in the summary; under CI (CI=true) an unreachable server fails the run instead.
"""

from __future__ import annotations

import os

# LightGBM's OpenMP workers spin while they wait; beside the suite's servers and threads on a
# 2-core machine that made each training 5-10x slower (measured: 11-22 s against 1.8-2.4 s).
# Set before anything loads the OpenMP runtime. The finbrain command does the same.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Under pytest-xdist every core already runs a worker; one OpenMP thread each keeps LightGBM
# from doubling the load (results do not depend on the thread count within one test).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from finbrain.core.errors import DatasetMissingError
from finbrain.core.settings import Settings, reset_settings
from finbrain.platform import tenancy
from finbrain.platform.api.app import create_app
from finbrain.platform.store.database import Database
from finbrain.platform.store.migrate import upgrade

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "FINBRAIN_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FINBRAIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_unavailable: dict[str, str] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A test (or its fixture) that needs a public data file the data folder lacks is skipped,
    naming the file, on a machine without the data (a fresh clone with no ../shared/data);
    under CI the data is there, so it stays a failure, like a missing service."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI or call.excinfo is None or not call.excinfo.errisinstance(DatasetMissingError):
        return
    reason = f"data folder lacks what this test reads: {call.excinfo.value}"
    report.outcome = "skipped"
    report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {reason}")


def service_missing(name: str, reason: str) -> None:
    """Skip locally (with a notice), fail under CI."""
    _unavailable[name] = reason
    if IN_CI:
        pytest.fail(f"{name} is required under CI but unreachable: {reason}", pytrace=False)
    pytest.skip(f"{name} unreachable ({reason}); set CI=true to make this a failure")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for name, reason in _unavailable.items():
        terminalreporter.write_line(
            f"NOTICE: {name} tests were skipped: {reason}", yellow=True, bold=True
        )


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's FINBRAIN_* settings or writes into ./var."""
    for key in list(os.environ):
        keep = key == "FINBRAIN_DATA_DIR" or key.startswith("FINBRAIN_TEST_")
        if key.startswith("FINBRAIN_") and not keep:
            monkeypatch.delenv(key)
    monkeypatch.setenv("FINBRAIN_HOME", str(tmp_path / "home"))
    reset_settings()
    yield
    reset_settings()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A fresh database on the PostgreSQL server for this test session; dropped at the end."""
    admin = make_url(PG_ADMIN_URL)
    try:
        engine = create_engine(
            admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        service_missing(
            "PostgreSQL", f"{admin.render_as_string(hide_password=True)}: {type(exc).__name__}"
        )
    name = f"finbrain_t_{secrets.token_hex(4)}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def redis_server() -> str:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.close()
    except Exception as exc:
        service_missing("Redis", f"{REDIS_URL}: {type(exc).__name__}")
    return REDIS_URL


def _wipe_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@dataclass
class Platform:
    """A migrated platform with an operator key and a client; helpers to add tenants."""

    settings: Settings
    db: Database
    client: TestClient
    operator_secret: str
    backend: str
    tenants: list[tuple[str, str]] = field(default_factory=list)

    def operator_headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.operator_secret}", **extra}

    def new_tenant(
        self, name: str | None = None, scopes: list[str] | None = None
    ) -> tuple[str, str]:
        """(tenant_id, secret of an admin key — or of a key with ``scopes``)."""
        with self.db.platform() as session:
            tenant = tenancy.create_tenant(session, name or f"Bank {secrets.token_hex(3)}")
            key = tenancy.create_key(
                session, tenant.id, label="test", scopes=scopes or ["admin"], created_by="test"
            )
            result = (tenant.id, key.secret)
        self.tenants.append(result)
        return result


def make_platform(backend: str, tmp_path: Path, pg_url: str | None, **overrides: Any) -> Platform:
    values: dict[str, Any] = {
        "home": tmp_path / "home",
        "rate_limit_per_second": 10_000.0,
        "rate_limit_burst": 10_000,
        **overrides,
    }
    if backend == "postgres":
        assert pg_url
        _wipe_postgres(pg_url)
        values["database_url"] = pg_url
    settings = Settings(**values)
    upgrade(settings)
    db = Database(settings)
    with db.platform() as session:
        operator = tenancy.create_operator_key(session)
    client = TestClient(create_app(settings, db), raise_server_exceptions=False)
    return Platform(settings, db, client, operator.secret, backend)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    pg_url = request.getfixturevalue("postgres_server") if request.param == "postgres" else None
    p = make_platform(request.param, tmp_path, pg_url)
    try:
        yield p
    finally:
        _close(p)


@pytest.fixture
def sqlite_platform(tmp_path: Path) -> Iterator[Platform]:
    p = make_platform("sqlite", tmp_path, None)
    try:
        yield p
    finally:
        _close(p)


def _close(p: Platform) -> None:
    """What the server's shutdown does (the risk writers and snapshot followers stop), then
    the client and the database."""
    p.client.app.state.risk.stop()  # type: ignore[attr-defined]
    p.client.close()
    p.db.dispose()


@dataclass
class LiveServer:
    url: str
    platform: Platform


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    platform = make_platform("sqlite", tmp_path, None)
    port = _free_port()
    config = uvicorn.Config(platform.client.app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", platform)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        platform.db.dispose()
