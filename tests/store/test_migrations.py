"""The schema comes from Alembic migrations, on SQLite and PostgreSQL; SQLite files are private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from app.sessions.store.db import MIGRATIONS_DIR, alembic_config, make_engine, upgrade_database, write_transaction
from app.sessions.store.models import ChatMessage, ChatSession, metadata
from app.sessions.store.repository import SessionStore

TABLES = {"chat_sessions", "chat_messages", "participants", "together_spaces", "invites", "shared_items", "client_links"}
REPO_ROOT = Path(__file__).resolve().parents[2]


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"the migrations must have exactly one head, not {heads}"
    return heads[0]


def stored_revisions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def schema_of(engine: Engine) -> dict:
    inspector = inspect(engine)
    return {
        table: {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": [(fk["constrained_columns"], fk["referred_table"]) for fk in inspector.get_foreign_keys(table)],
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
        }
        for table in sorted(inspector.get_table_names())
    }


@pytest.fixture
def fresh_engine(fresh_database_url: str):
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def test_upgrade_creates_the_tables_at_head(fresh_engine: Engine):
    assert not TABLES & set(inspect(fresh_engine).get_table_names())

    upgrade_database(fresh_engine)

    assert TABLES | {"alembic_version"} <= set(inspect(fresh_engine).get_table_names())
    assert stored_revisions(fresh_engine) == [head_revision()]


def test_upgrading_twice_is_a_no_op(fresh_database_url: str, fresh_engine: Engine):
    upgrade_database(fresh_database_url)  # by URL, as on start-up
    store = SessionStore(fresh_engine)
    session = store.create_session()
    store.add_message(session.id, "user", "still here?")
    schema = schema_of(fresh_engine)

    upgrade_database(fresh_engine)  # by engine
    upgrade_database(fresh_database_url)

    assert schema_of(fresh_engine) == schema
    assert stored_revisions(fresh_engine) == [head_revision()]
    assert [m.text for m in store.list_messages(session.id)] == ["still here?"]


# A start-up that waits for "go" once imported, so that the processes really overlap.
START_UP = """
import sys
from app.sessions.store.db import upgrade_database
print("ready", flush=True)
sys.stdin.readline()
upgrade_database(sys.argv[1])
"""


def test_two_processes_starting_at_once_both_upgrade_cleanly(fresh_database_url: str, fresh_engine: Engine):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", START_UP, fresh_database_url],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            process.stdout.readline()  # "ready" (or "" if it died: communicate() shows why)
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()

    assert [process.returncode for process in processes] == [0, 0], "\n".join(err for _, err in outcomes)
    assert stored_revisions(fresh_engine) == [head_revision()]


def test_the_models_match_the_migrated_schema(fresh_engine: Engine):
    upgrade_database(fresh_engine)

    with fresh_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []


def test_downgrade_to_base_and_upgrade_again(fresh_engine: Engine):
    upgrade_database(fresh_engine)
    config = alembic_config()

    with write_transaction(fresh_engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert not TABLES & set(inspect(fresh_engine).get_table_names())

    upgrade_database(fresh_engine)
    assert stored_revisions(fresh_engine) == [head_revision()]


def test_the_schema_enforces_cascade_uniqueness_and_roles(fresh_engine: Engine):
    upgrade_database(fresh_engine)
    store = SessionStore(fresh_engine)
    session = store.create_session()
    store.add_message(session.id, "user", "one")
    now = datetime.now(timezone.utc)
    row = {"session_id": session.id, "text": "x", "created_at": now, "meta": {}}

    with pytest.raises(IntegrityError):  # (session_id, seq) is unique
        with fresh_engine.begin() as connection:
            connection.execute(insert(ChatMessage).values(seq=1, role="user", **row))
    with pytest.raises(IntegrityError):
        with fresh_engine.begin() as connection:
            connection.execute(insert(ChatMessage).values(seq=2, role="bot", **row))
    with pytest.raises(IntegrityError):  # no message without its session
        with fresh_engine.begin() as connection:
            connection.execute(
                insert(ChatMessage).values(seq=1, role="user", **{**row, "session_id": "f" * 36})
            )

    with fresh_engine.begin() as connection:  # plain SQL delete of the session row…
        connection.execute(ChatSession.__table__.delete().where(ChatSession.id == session.id))
    with fresh_engine.connect() as connection:  # …takes its messages with it
        assert connection.execute(select(ChatMessage.id)).all() == []


# --- SQLite specifics ----------------------------------------------------------------------


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_folder_and_files_are_private_whatever_the_umask(tmp_path: Path):
    database = tmp_path / "data" / "nested" / "softstart.sqlite3"
    previous_umask = os.umask(0)
    try:
        engine = make_engine(f"sqlite:///{database}")
        try:
            upgrade_database(engine)
            SessionStore(engine).create_session()  # writes: WAL and shared-memory files appear
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
                assert path.exists(), path
                assert mode_of(path) == 0o600, (path, oct(mode_of(path)))
        finally:
            engine.dispose()
    finally:
        os.umask(previous_umask)
    assert mode_of(database.parent) == 0o700
    assert mode_of(database.parent.parent) == 0o700


def test_sqlite_tightens_an_existing_database_file(tmp_path: Path):
    database = tmp_path / "softstart.sqlite3"
    database.touch()
    database.chmod(0o644)

    make_engine(f"sqlite:///{database}").dispose()

    assert mode_of(database) == 0o600


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'softstart.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert engine.pool.__class__.__name__ == "QueuePool"  # one connection per thread at a time
    finally:
        engine.dispose()


def test_sqlite_reads_within_a_transaction_see_one_snapshot(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'softstart.sqlite3'}"
    engine = make_engine(url)
    try:
        upgrade_database(engine)
        store = SessionStore(engine)
        with engine.begin() as reader:
            before = reader.execute(select(ChatSession.id)).all()
            store.create_session()  # committed by another connection meanwhile
            assert reader.execute(select(ChatSession.id)).all() == before
        with engine.connect() as connection:
            assert len(connection.execute(select(ChatSession.id)).all()) == len(before) + 1
    finally:
        engine.dispose()


def test_in_memory_sqlite_works_for_tools_and_tests():
    engine = make_engine("sqlite://")
    try:
        assert isinstance(engine.pool, StaticPool)
        upgrade_database(engine)
        store = SessionStore(engine)
        session = store.create_session()
        store.add_message(session.id, "user", "hello")
        assert store.count_messages(session.id) == 1
    finally:
        engine.dispose()


def test_a_plain_postgresql_url_means_psycopg_3():
    engine = make_engine("postgresql://user@db.invalid:5432/softstart")  # no connection is made

    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_the_migration_scripts_live_inside_the_app_package():
    import app

    package_dir = Path(app.__file__).resolve().parent
    assert MIGRATIONS_DIR.is_relative_to(package_dir)
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
