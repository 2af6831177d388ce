"""Engines, tenant-scoped sessions and migrations for one service's own database.

A service owns its data: on PostgreSQL, a schema named after the service inside the
configured database; embedded (no JOUDA_DATABASE_URL), a SQLite file under ./var/.
"""

import logging
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker

from jouda.shared.migration_ops import APPEND_ONLY
from jouda.shared.tenancy import RLS_ALL_TENANTS_SETTING, RUNTIME_ROLE, SERVICE_KEY, scope_session

log = logging.getLogger(__name__)


def _patch_psycopg_for_eventlet():
    # psycopg2 blocks in C; psycogreen makes its waits cooperative under eventlet.
    try:
        import eventlet.patcher

        if eventlet.patcher.is_monkey_patched("socket"):
            from psycogreen.eventlet import patch_psycopg

            patch_psycopg()
    except ImportError:  # pragma: no cover - eventlet is a hard dependency
        pass


def driver_url(url: str) -> str:
    """PostgreSQL goes through psycopg2, the driver psycogreen makes cooperative under eventlet
    (SQLAlchemy 2.1 would otherwise pick psycopg 3 for a bare postgresql:// URL)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def make_engine(url: str, schema: str | None, *, runtime: bool, pool_size: int = 10):
    """`runtime=True` engines drop superuser rights (SET ROLE) so row-level security applies."""
    url = driver_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine

    _patch_psycopg_for_eventlet()
    # values_plus_batch: an UPDATE of many rows (a checklist's 60 lines) goes in pages, not a round trip each.
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, executemany_mode="values_plus_batch"
    )

    @event.listens_for(engine, "connect")
    def _pg_session_setup(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        if schema:
            cursor.execute(f'SET search_path TO "{schema}"')
        if runtime:
            # A request never waits for ever on a lock or a slow statement (see the gateway's RPC wait).
            cursor.execute("SET lock_timeout = '5s'")
            cursor.execute("SET statement_timeout = '10s'")
            cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
            (privileged,) = cursor.fetchone()
            if privileged:
                cursor.execute(f"SET ROLE {RUNTIME_ROLE}")
        cursor.close()
        dbapi_connection.commit()

    return engine


def upsert(session, table):
    """INSERT … ON CONFLICT for the session's database (PostgreSQL, or SQLite for embedded runs)."""
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


class Database:
    """One service's database: runtime engine, tenant-scoped sessions, migrations."""

    def __init__(self, service: str, url: str, *, pool_size: int = 10):
        self.service = service
        self.url = url
        self.schema = None if url.startswith("sqlite") else service
        self.engine = make_engine(url, self.schema, runtime=True, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgresql(self):
        return self.engine.dialect.name == "postgresql"

    def session(self, tenant_id=None, *, all_tenants=False, platform=False):
        session = scope_session(self._sessions(), tenant_id, all_tenants=all_tenants, platform=platform)
        session.info[SERVICE_KEY] = self.service
        return session

    @contextmanager
    def transaction(self, tenant_id=None, *, all_tenants=False):
        session = self.session(tenant_id, all_tenants=all_tenants)
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def system_connection(self, *, flush_each_commit=True):
        """A plain connection in autocommit mode that sees every tenant's rows for as long as it is
        held (a session setting, not one transaction's): for a system job making many small writes
        in turn, each one statement and one round trip instead of a session's set-up and a commit.

        `flush_each_commit=False`: the commits return before PostgreSQL has flushed them to disk
        (synchronous_commit off). Only for records whose loss in a crash of the database server
        (their last fraction of a second) is tolerable: a delivery's outcome, say, whose loss means
        the delivery is tried once more."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Autocommit: each statement is its own transaction, one round trip each.
            self._session_settings(connection, all_tenants=True, flush=flush_each_commit)
            try:
                yield connection
            finally:
                try:
                    self._session_settings(connection, all_tenants=False, flush=True)
                except Exception:  # noqa: BLE001 - broken: never hand it back with the settings on
                    connection.invalidate()

    def _session_settings(self, connection, *, all_tenants, flush):
        if self.is_postgresql:
            connection.exec_driver_sql(
                "SELECT set_config(%(name)s, %(value)s, false), set_config('synchronous_commit', %(flush)s, false)",
                {
                    "name": RLS_ALL_TENANTS_SETTING,
                    "value": "on" if all_tenants else "off",
                    "flush": "on" if flush else "off",
                },
            )

    def ping(self):
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self):
        self.engine.dispose()


def migrate(service: str, url: str, migrations_dir: Path):
    """Bring the service's schema to the latest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    schema = None if url.startswith("sqlite") else service
    engine = make_engine(url, schema, runtime=False, pool_size=1)
    try:
        with engine.begin() as connection:
            if schema:
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                connection.execute(text(f'SET search_path TO "{schema}"'))
            config = Config()
            config.set_main_option("script_location", str(migrations_dir))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if schema:
                _grant_runtime_role(connection, schema)
    finally:
        engine.dispose()


def _grant_runtime_role(connection, schema):
    connection.execute(
        text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}') "
            f"THEN CREATE ROLE {RUNTIME_ROLE} NOLOGIN; END IF; END $$"
        )
    )
    connection.execute(text(f"GRANT {RUNTIME_ROLE} TO CURRENT_USER"))
    connection.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {RUNTIME_ROLE}'))
    connection.execute(
        text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {RUNTIME_ROLE}')
    )
    connection.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {RUNTIME_ROLE}'))
    # Append-only tables (the security log): whatever a service's code does, its rows are never
    # changed or removed by it (shared/migration_ops.py: make_append_only).
    append_only = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') = :mark"
        ),
        {"schema": schema, "mark": APPEND_ONLY},
    ).scalars()
    for table in append_only:
        connection.execute(text(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{schema}"."{table}" FROM {RUNTIME_ROLE}'))
