"""After a session is deleted, its text cannot be found in the raw SQLite files (database, WAL, SHM)."""

from __future__ import annotations

import secrets
from pathlib import Path

from app.sessions.store.db import make_engine, upgrade_database
from app.sessions.store.repository import SessionStore


def raw_files_containing(folder: Path, needle: str) -> list[str]:
    wanted = needle.encode()
    return [p.name for p in folder.iterdir() if p.is_file() and wanted in p.read_bytes()]


def test_a_deleted_session_leaves_no_text_in_the_sqlite_files(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    engine = make_engine(f"sqlite:///{folder / 'softstart.sqlite3'}")
    upgrade_database(engine)
    store = SessionStore(engine)
    secret = f"my secret about the lake house {secrets.token_hex(8)}"
    kept_text = f"a message that stays {secrets.token_hex(8)}"
    doomed, kept = store.create_session(), store.create_session()
    for n in range(30):  # enough writes for the WAL to hold many copies of the pages
        store.add_message(doomed.id, "user", f"{secret} #{n}")
        store.add_message(doomed.id, "coach", f"reply to {secret} #{n}", meta={"echo": secret})
    store.add_message(kept.id, "user", kept_text)
    assert raw_files_containing(folder, secret), "the text is on disk before the delete"

    assert store.delete_session(doomed.id) is True

    assert raw_files_containing(folder, secret) == []
    assert raw_files_containing(folder, "my secret about the lake house") == []
    assert [m.text for m in store.list_messages(kept.id)] == [kept_text]
    engine.dispose()
