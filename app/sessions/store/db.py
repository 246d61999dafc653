"""Database engines for the session store, and bringing the schema up to date.

* SQLite (the default, a file in the data directory): WAL, ``foreign_keys=ON``, a busy
  timeout, ``synchronous=FULL``, ``secure_delete=ON`` (deleted rows are overwritten with zeros,
  see :func:`purge_deleted_pages`); the folder is created ``0o700`` and the file ``0o600``.
  SQLAlchemy, not the ``sqlite3`` module, opens transactions, so reads are consistent
  snapshots and DDL is transactional.
* PostgreSQL by URL (``postgresql+psycopg://…``; a bare ``postgresql://`` means psycopg 3).

Engines are safe to share between the threads of a request pool.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

# The migrations are code of this package (not data): found through the package, wherever it is installed.
MIGRATIONS_DIR = Path(str(resources.files("app.sessions.store").joinpath("migrations")))

SQLITE_BUSY_TIMEOUT_MS = 30_000
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

# Execution option naming the BEGIN flavour on SQLite ("IMMEDIATE" takes the write lock at once).
_SQLITE_BEGIN_OPTION = "softstart_sqlite_begin"
_SQLITE_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})

# Key of the PostgreSQL advisory lock that serialises schema upgrades across processes.
MIGRATION_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"softstart.store.migrations").digest()[:8], "big", signed=True
)


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``, configured for the store (see the module docstring)."""
    parsed = _with_default_postgres_driver(make_url(url))
    if parsed.get_backend_name() == "sqlite":
        engine = _make_sqlite_engine(parsed)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    log.info("database engine for %s", parsed.render_as_string(hide_password=True))
    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that is going to write; committed on success, rolled back on error.

    On SQLite it starts with ``BEGIN IMMEDIATE``, so the write lock is taken (waiting up to
    the busy timeout) before anything is read, and a read-then-write transaction can never
    fail half-way with "database is locked". Elsewhere it is an ordinary transaction.
    """
    with engine.connect() as connection:
        connection.execution_options(**{_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            yield connection


def alembic_config(url: str | URL | None = None) -> Config:
    """The Alembic configuration of the store, built in code (there is no alembic.ini).

    Handy for developers, e.g. ``command.revision(alembic_config(url), "add x", autogenerate=True)``.
    """
    config = Config()
    config.set_main_option("script_location", _escape_config_value(str(MIGRATIONS_DIR)))
    config.set_main_option("path_separator", "os")
    if url is not None:
        rendered = make_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", _escape_config_value(rendered))
    return config


def upgrade_database(engine_or_url: Engine | str | URL) -> None:
    """Apply every migration up to head; a no-op when the schema is already current.

    Runs in one transaction. Concurrent callers are serialised: on PostgreSQL by a
    transaction-level advisory lock, on SQLite by ``BEGIN IMMEDIATE``. A process that had to
    wait finds the schema at head and does nothing.
    """
    if isinstance(engine_or_url, Engine):
        _upgrade_with(engine_or_url)
        return
    engine = make_engine(engine_or_url)
    try:
        _upgrade_with(engine)
    finally:
        engine.dispose()


def _upgrade_with(engine: Engine) -> None:
    config = alembic_config()
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("database schema is at head")


def purge_deleted_pages(engine: Engine) -> None:
    """Make deleted rows unrecoverable from the files on disk, as far as SQLite allows.

    ``secure_delete`` zeroes the freed content in the database pages, but the WAL still holds
    the older copies of those pages until a checkpoint; ``wal_checkpoint(TRUNCATE)`` copies the
    zeroed pages back and cuts the WAL to zero bytes. A reader holding an old snapshot can make
    the checkpoint partial; the next purge finishes it. A no-op for other databases.
    """
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        # Autocommit at the driver (isolation_level None, set on connect): a checkpoint cannot
        # run inside a transaction.
        busy, _, _ = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.info("WAL checkpoint after a delete was partial (a reader was active)")
    finally:
        raw.close()


def _with_default_postgres_driver(url: URL) -> URL:
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _make_sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    if in_memory:
        # One shared connection: for tests and tools only, not for concurrent use.
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    else:
        if not _is_uri_filename(url):
            _prepare_private_file(Path(database))
        engine = create_engine(url, connect_args=connect_args)
    _configure_sqlite_connections(engine, use_wal=not in_memory)
    return engine


def _configure_sqlite_connections(engine: Engine, *, use_wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:  # noqa: ANN001
        # SQLAlchemy emits BEGIN itself (see _on_begin); the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA secure_delete = ON")
            if use_wal:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode not in _SQLITE_BEGIN_MODES:
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _is_uri_filename(url: URL) -> bool:
    return str(url.query.get("uri", "")).lower() in ("true", "1")


def _prepare_private_file(path: Path) -> None:
    """Create the database's folder (0o700) and file (0o600) before SQLite does."""
    path = path.expanduser().absolute()
    _make_private_dirs(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        for existing in (path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
            if existing.exists():
                _tighten_existing_file(existing)
        return
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)  # regardless of the umask
    finally:
        os.close(fd)
    log.info("created database file %s", path)


def _make_private_dirs(directory: Path) -> None:
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, PRIVATE_DIR_MODE)  # regardless of the umask
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        log.warning("database folder %s is accessible to other users (mode %o)", directory, mode)


def _tighten_existing_file(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("database file %s had mode %o; restricting it to %o", path, mode, PRIVATE_FILE_MODE)
        os.chmod(path, PRIVATE_FILE_MODE)


def _escape_config_value(value: str) -> str:
    # Alembic's Config is a ConfigParser: "%" starts an interpolation.
    return value.replace("%", "%%")
