"""Engines and tenant-scoped sessions, the same code on SQLite and PostgreSQL.

``Database.tenant(tid)`` opens a transaction that can see one tenant only; ``Database.platform()``
opens one for the operator and for key lookups. On PostgreSQL the scope is also handed to the
database for row-level security with ``set_config(..., is_local => true)``, the parameterised form
of ``SET LOCAL``: it lasts exactly one transaction, so a pooled connection never carries one
tenant's scope into the next request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from finbrain.core.errors import ConfigurationError
from finbrain.core.settings import Settings
from finbrain.platform.store.models import TenantOwned

log = logging.getLogger(__name__)

TENANT_SETTING = "finbrain.tenant_id"
PLATFORM_SETTING = "finbrain.platform"
BUSY_TIMEOUT_MS = 10_000  # how long a SQLite writer waits for the write lock
# Connections beyond the API's request slots (api/admission): the risk writers, background
# jobs, the checkpoint ticker and the console take theirs from these.
POOL_RESERVE = 10
# The longest a transaction on the event loop may wait for a PostgreSQL row lock: a bound on a
# stall (a rare clash: a case row an investigator's request holds), never a normal wait.
LOOP_LOCK_TIMEOUT_MS = 1000


class ScopedSession(Session):
    """A session that knows its scope: ``info['tenant_id']`` or ``info['platform']``."""


@event.listens_for(ScopedSession, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    tenant_id = state.session.info.get("tenant_id")
    if tenant_id is None:
        if not state.session.info.get("platform"):
            raise ConfigurationError(
                "session has no tenant or platform scope", rule="scoped_session"
            )
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantOwned,
                lambda cls: cls.tenant_id == tenant_id,
                include_aliases=True,
            )
        )


@event.listens_for(ScopedSession, "before_flush")
def _check_owner(session: Session, _ctx: Any, _instances: Any) -> None:
    tenant_id = session.info.get("tenant_id")
    if tenant_id is None:
        return
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, TenantOwned) and obj.tenant_id != tenant_id:
            raise ConfigurationError(
                "attempt to write another tenant's row", field="tenant_id", rule="own_tenant"
            )


def _sqlite_pragmas(settings: Settings) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # SQLite's default page cache is 2 MB per connection: once the indexes outgrow it,
        # every insert reads its pages back from the OS (measured: the scoring server slowed
        # as its database grew, p50 20 -> 45 ms over 90 s at 1,000/s; 64 MB cured it).
        cursor.execute(f"PRAGMA cache_size=-{settings.sqlite_cache_mb * 1024}")
        cursor.close()

    return on_connect


def _postgres_role(settings: Settings) -> Any:
    role = settings.postgres_app_role

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # RLS does not bind superusers or BYPASSRLS roles: drop to the app role when connected
        # as one, so isolation holds even on a developer's superuser connection.
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            if cursor.fetchone() is None:
                cursor.close()
                raise ConfigurationError(
                    f"PostgreSQL role {role!r} is missing: run `finbrain db upgrade` first",
                    field="postgres_app_role",
                    rule="role_exists",
                )
            cursor.execute(f'SET ROLE "{role}"')
        cursor.close()
        dbapi_connection.commit()

    return on_connect


def _sqlite_begin(conn: Any) -> None:
    # A writing request takes the write lock up front (BEGIN IMMEDIATE): SQLite cannot upgrade a
    # read snapshot to a writer once another writer committed, so deferring would fail instead
    # of waiting.
    options = conn.get_execution_options()
    if not options.get("sqlite_immediate", False):
        conn.exec_driver_sql("BEGIN")
    elif options.get("sqlite_nowait", False):  # fail at once if the lock is held (try_begin_write)
        conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _is_busy(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlite_errorname", "") in {"SQLITE_BUSY", "SQLITE_LOCKED"} or (
        "database is locked" in str(exc.orig)
    )


def make_engine(settings: Settings, *, for_migrations: bool = False) -> Engine:
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        pool: dict[str, Any] = {}
        if url.database and url.database != ":memory:":  # a file: a queue pool of connections
            pool = {"pool_size": settings.request_slots, "max_overflow": POOL_RESERVE}
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            pool_pre_ping=True,
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas(settings))
        # pysqlite's own transaction handling defers BEGIN past reads; take it over so a
        # transaction starts where SQLAlchemy says it does (the documented recipe).
        event.listen(engine, "connect", lambda conn, _r: setattr(conn, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.get_backend_name() == "postgresql":
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=settings.request_slots,
            max_overflow=POOL_RESERVE,
        )
        if not for_migrations:
            event.listen(engine, "connect", _postgres_role(settings))
        return engine
    raise ConfigurationError(
        f"unsupported database {url.get_backend_name()!r}",
        field="database_url",
        rule="sqlite_or_postgresql",
    )


class Database:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self._factory = sessionmaker(self.engine, class_=ScopedSession, expire_on_commit=False)

    def session(self) -> ScopedSession:
        """An unscoped session; call ``scope_tenant`` or ``scope_platform`` before any query."""
        return self._factory()

    def begin(self, session: Session, write: bool = False) -> None:
        """Start the session's transaction; writers lock SQLite up front (see ``_sqlite_begin``)."""
        options = {"sqlite_immediate": True} if write and not self.is_postgres else {}
        session.connection(execution_options=options)

    def try_begin_write(self, session: Session) -> bool:
        """Start a writing transaction unless that means waiting: False, and no transaction,
        when another connection holds SQLite's write lock. For the event loop, which must never
        wait for a lock: its holder may be a request that needs the loop to commit. PostgreSQL
        locks rows one by one: there the transaction waits at most ``LOOP_LOCK_TIMEOUT_MS`` for
        any (then its statement fails), and the caller tries the rows it knows it will lock
        first (``ledger.try_lock_head``)."""
        if self.is_postgres:
            self.begin(session, write=True)
            connection = session.connection()  # (the session has no scope yet)
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOOP_LOCK_TIMEOUT_MS}ms'")
            return True
        try:
            session.connection(execution_options={"sqlite_immediate": True, "sqlite_nowait": True})
        except OperationalError as exc:
            if not _is_busy(exc):
                raise
            session.rollback()
            return False
        return True

    def scope_tenant(self, session: Session, tenant_id: str) -> None:
        session.info.pop("platform", None)
        session.info["tenant_id"] = tenant_id
        if self.is_postgres:
            session.execute(
                text("SELECT set_config(:name, :value, true), set_config(:p, '', true)"),
                {"name": TENANT_SETTING, "value": tenant_id, "p": PLATFORM_SETTING},
            )

    def scope_platform(self, session: Session) -> None:
        session.info.pop("tenant_id", None)
        session.info["platform"] = True
        if self.is_postgres:
            session.execute(
                text("SELECT set_config(:name, 'on', true), set_config(:t, '', true)"),
                {"name": PLATFORM_SETTING, "t": TENANT_SETTING},
            )

    @contextmanager
    def tenant(self, tenant_id: str, *, write: bool = True) -> Iterator[ScopedSession]:
        """One transaction that sees only ``tenant_id``; commits on success."""
        with self._factory() as session:
            self.begin(session, write=write)
            self.scope_tenant(session, tenant_id)
            yield session
            session.commit()

    @contextmanager
    def platform(self, *, write: bool = True) -> Iterator[ScopedSession]:
        """One transaction in the platform scope (operator work, key lookups)."""
        with self._factory() as session:
            self.begin(session, write=write)
            self.scope_platform(session)
            yield session
            session.commit()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
