"""Store fixtures: every store test runs against SQLite (a temporary file) and PostgreSQL.

PostgreSQL: the server in ``SOFTSTART_TEST_POSTGRES_URL`` (default: the machine's own). Each
test module gets a fresh database ``softstart_test_<random>``, dropped afterwards; a test that
needs an empty database gets its own schema in it (dropping a database forces a checkpoint,
which is slow, so there is one per module). If the server cannot be reached the PostgreSQL
cases fail; set the variable to ``off`` to skip them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from app.sessions.store.db import make_engine, upgrade_database
from app.sessions.store.repository import SessionStore

POSTGRES_URL_ENV = "SOFTSTART_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


class PostgresDatabases:
    """Creates throw-away databases on one server (through an AUTOCOMMIT admin connection)."""

    def __init__(self, admin_engine: Engine) -> None:
        self._admin = admin_engine
        self._created: list[str] = []

    def create(self) -> str:
        name = f"softstart_test_{secrets.token_hex(6)}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return self._admin.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self._admin.connect() as connection:
            while self._created:
                name = self._created.pop()
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_admin_engine() -> Iterator[Engine]:
    raw = os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL).strip()
    if raw.lower() == "off":
        pytest.skip(f"PostgreSQL store tests are off ({POSTGRES_URL_ENV}=off)")
    url: URL = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    problem = None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure to connect means the same thing here
        problem = str(error).split("\n(Background")[0]
    if problem is not None:
        engine.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {url.render_as_string(hide_password=True)}: {problem}\n"
            "Start it (pg_ctlcluster --skip-systemctl-redirect <version> main start), point "
            f"{POSTGRES_URL_ENV} at a server, or set {POSTGRES_URL_ENV}=off to skip the PostgreSQL cases.",
            pytrace=False,
        )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgres_databases(postgres_admin_engine: Engine) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_admin_engine)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def postgres_module_database(postgres_databases: PostgresDatabases) -> str:
    """The test module's own PostgreSQL database (URL)."""
    return postgres_databases.create()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path) -> str:
    """A database for the test: a new SQLite file, or the module's PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'softstart.sqlite3'}"
    return request.getfixturevalue("postgres_module_database")


@pytest.fixture
def fresh_database_url(backend: str, request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database (PostgreSQL: a new schema of the module's database, first on the search path)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh' / 'softstart.sqlite3'}"
    module_url = make_url(request.getfixturevalue("postgres_module_database"))
    schema = f"fresh_{secrets.token_hex(6)}"
    admin = create_engine(module_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    return module_url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SessionStore:
    return SessionStore(engine)
