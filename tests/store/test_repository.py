"""SessionStore against real databases: SQLite and PostgreSQL (see conftest.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, event, func, select

from app.sessions.store.db import make_engine
from app.sessions.store.models import ChatMessage, ChatSession
from app.sessions.store.repository import NewSession, SessionNotFound, SessionStore, StoredMessage, hash_token

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def message_rows(engine: Engine, session_id: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(ChatMessage).where(ChatMessage.session_id == session_id)
        ).scalar_one()


# --- sessions and tokens -------------------------------------------------------------------


def test_create_session_returns_a_fresh_id_and_a_strong_token(store: SessionStore):
    first, second = store.create_session(), store.create_session()

    assert isinstance(first, NewSession)
    assert first.id != second.id and first.token != second.token
    assert len(first.token) >= 43  # 32 random bytes, urlsafe base64
    assert store.exists(first.id) and store.exists(second.id)
    assert first.token not in repr(first)


def test_authenticate_accepts_only_the_sessions_own_token(store: SessionStore):
    mine, theirs = store.create_session(), store.create_session()

    assert store.authenticate(mine.id, mine.token) is True
    assert store.authenticate(mine.id, mine.token + "x") is False
    assert store.authenticate(mine.id, "") is False
    assert store.authenticate(mine.id, theirs.token) is False  # another session's token
    assert store.authenticate(UNKNOWN_ID, mine.token) is False  # unknown id
    assert store.authenticate("not-a-session-id", mine.token) is False
    assert store.authenticate(mine.id.upper(), mine.token) is False
    assert store.authenticate(mine.id, None) is False  # type: ignore[arg-type]


def test_only_a_hash_of_the_token_is_stored(store: SessionStore, engine: Engine):
    session = store.create_session()

    with engine.connect() as connection:
        row = connection.execute(select(ChatSession).where(ChatSession.id == session.id)).one()
    assert row.token_hash == hash_token(session.token)
    assert all(session.token not in str(value) for value in row)


def test_unknown_sessions_are_not_found(store: SessionStore):
    for session_id in (UNKNOWN_ID, "nonsense", "x" * 5000, "a\x00b"):
        with pytest.raises(SessionNotFound):
            store.add_message(session_id, "user", "hello")
        with pytest.raises(SessionNotFound):
            store.list_messages(session_id)
        with pytest.raises(SessionNotFound):
            store.count_messages(session_id)
        with pytest.raises(SessionNotFound):
            store.load_state(session_id)
        with pytest.raises(SessionNotFound):
            store.save_state(session_id, {}, "")
        assert store.exists(session_id) is False
        assert store.delete_session(session_id) is False
    assert issubclass(SessionNotFound, LookupError)


# --- messages ------------------------------------------------------------------------------


def test_messages_come_back_oldest_first_numbered_from_one(store: SessionStore):
    session = store.create_session()
    before = datetime.now(timezone.utc)

    added = [
        store.add_message(session.id, "user", "We keep fighting about texting.", {"harshness": 0.2}),
        store.add_message(session.id, "coach", "What happens right before?"),
        store.add_message(session.id, "user", "Ünïcode, emoji 🙂 and\nnewlines"),
    ]
    listed = store.list_messages(session.id)

    assert listed == added
    assert [m.seq for m in listed] == [1, 2, 3]
    assert [m.role for m in listed] == ["user", "coach", "user"]
    assert listed[2].text == "Ünïcode, emoji 🙂 and\nnewlines"
    assert listed[0].meta == {"harshness": 0.2} and listed[1].meta == {}
    for message in listed:
        assert isinstance(message, StoredMessage)
        assert message.created_at.tzinfo is not None and message.created_at.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= message.created_at <= datetime.now(timezone.utc)
    assert listed[0].created_at <= listed[1].created_at <= listed[2].created_at
    assert store.count_messages(session.id) == 3
    assert "We keep fighting" not in repr(listed[0])


def test_created_at_is_stored_in_utc(engine: Engine):
    plus_two = timezone(timedelta(hours=2))
    store = SessionStore(engine, clock=lambda: datetime(2024, 5, 1, 12, 30, tzinfo=plus_two))
    session = store.create_session()

    store.add_message(session.id, "user", "hi")

    (message,) = store.list_messages(session.id)
    assert message.created_at == datetime(2024, 5, 1, 10, 30, tzinfo=timezone.utc)
    assert message.created_at.tzinfo == timezone.utc


def test_limit_returns_the_last_messages_oldest_first(store: SessionStore):
    session = store.create_session()
    for number in range(1, 8):
        store.add_message(session.id, "user" if number % 2 else "coach", f"message {number}")

    assert [m.text for m in store.list_messages(session.id, limit=3)] == ["message 5", "message 6", "message 7"]
    assert [m.seq for m in store.list_messages(session.id, limit=100)] == list(range(1, 8))
    assert store.list_messages(session.id, limit=0) == []
    with pytest.raises(ValueError):
        store.list_messages(session.id, limit=-1)


def test_an_empty_session_has_no_messages(store: SessionStore):
    session = store.create_session()

    assert store.list_messages(session.id) == []
    assert store.list_messages(session.id, limit=5) == []
    assert store.count_messages(session.id) == 0


def test_messages_of_sessions_are_kept_apart(store: SessionStore):
    first, second = store.create_session(), store.create_session()

    store.add_message(first.id, "user", "first's")
    store.add_message(second.id, "user", "second's")
    store.add_message(first.id, "coach", "reply to first")

    assert [(m.seq, m.text) for m in store.list_messages(first.id)] == [(1, "first's"), (2, "reply to first")]
    assert [(m.seq, m.text) for m in store.list_messages(second.id)] == [(1, "second's")]


def test_invalid_messages_are_refused_and_use_up_no_number(store: SessionStore):
    session = store.create_session()

    with pytest.raises(ValueError):
        store.add_message(session.id, "assistant", "hi")
    with pytest.raises(ValueError):
        store.add_message(session.id, "user", "nul \x00 byte")
    with pytest.raises(ValueError):
        store.add_message(session.id, "user", "lone surrogate \ud800")
    with pytest.raises(ValueError):
        store.add_message(session.id, "user", "hi", {"score": float("nan")})
    with pytest.raises(ValueError):
        store.add_message(session.id, "user", "hi", {"when": datetime.now()})
    with pytest.raises(TypeError):
        store.add_message(session.id, "user", "hi", ["not", "a", "dict"])  # type: ignore[arg-type]

    assert store.count_messages(session.id) == 0
    assert store.add_message(session.id, "user", "hi").seq == 1


def test_meta_reads_back_as_it_was_stored(store: SessionStore):
    session = store.create_session()

    meta = {"flags": ("criticism",), 1: "one", "nested": {"a": None}}

    returned = store.add_message(session.id, "coach", "ok", meta)

    (listed,) = store.list_messages(session.id)
    assert returned.meta == listed.meta == {"flags": ["criticism"], "1": "one", "nested": {"a": None}}


def test_a_failed_write_rolls_back_and_uses_up_no_number(store: SessionStore, engine: Engine):
    session = store.create_session()
    store.add_message(session.id, "user", "first")

    def fail_message_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO CHAT_MESSAGES"):
            raise RuntimeError("disk on fire")

    event.listen(engine, "before_cursor_execute", fail_message_insert)
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.add_message(session.id, "user", "second")
    finally:
        event.remove(engine, "before_cursor_execute", fail_message_insert)

    assert [m.text for m in store.list_messages(session.id)] == ["first"]
    assert store.add_message(session.id, "user", "second again").seq == 2


def test_an_added_message_is_committed_when_add_message_returns(store: SessionStore, database_url: str):
    session = store.create_session()
    store.add_message(session.id, "user", "I need you to answer my texts.")

    # e.g. the reply now fails and the request dies: another connection already sees the message
    other_engine = make_engine(database_url)
    try:
        assert [m.text for m in SessionStore(other_engine).list_messages(session.id)] == [
            "I need you to answer my texts."
        ]
    finally:
        other_engine.dispose()


# --- coaching state ------------------------------------------------------------------------


def test_a_new_session_has_empty_state(store: SessionStore):
    session = store.create_session()

    assert store.load_state(session.id) == ({}, "")


def test_state_and_summary_round_trip(store: SessionStore):
    session, other = store.create_session(), store.create_session()
    state = {
        "role_guess": "pursuer",
        "escalation": 0.75,
        "flooded": False,
        "turns": 3,
        "history": [{"move": "pursue", "flags": ["criticism", "absolute"]}],
        "note": "Ünïcode 🙂",
    }

    store.save_state(session.id, state, "She asks for reassurance; he goes quiet.")
    assert store.load_state(session.id) == (state, "She asks for reassurance; he goes quiet.")

    store.save_state(session.id, {"flooded": True}, "")
    assert store.load_state(session.id) == ({"flooded": True}, "")
    assert store.load_state(other.id) == ({}, "")


def test_invalid_state_is_refused(store: SessionStore):
    session = store.create_session()

    with pytest.raises(TypeError):
        store.save_state(session.id, None, "")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.save_state(session.id, {"x": float("inf")}, "")
    with pytest.raises(TypeError):
        store.save_state(session.id, {}, None)  # type: ignore[arg-type]
    assert store.load_state(session.id) == ({}, "")


# --- deletion and durability ---------------------------------------------------------------


def test_delete_erases_the_session_and_all_its_messages(store: SessionStore, engine: Engine):
    doomed, kept = store.create_session(), store.create_session()
    for number in range(3):
        store.add_message(doomed.id, "user", f"doomed {number}")
    store.add_message(kept.id, "user", "kept")
    store.save_state(doomed.id, {"role_guess": "distancer"}, "summary")

    assert store.delete_session(doomed.id) is True

    assert message_rows(engine, doomed.id) == 0
    with engine.connect() as connection:
        assert connection.execute(select(ChatSession.id).where(ChatSession.id == doomed.id)).first() is None
    assert store.exists(doomed.id) is False
    assert store.authenticate(doomed.id, doomed.token) is False
    with pytest.raises(SessionNotFound):
        store.list_messages(doomed.id)
    with pytest.raises(SessionNotFound):
        store.add_message(doomed.id, "user", "too late")
    assert store.delete_session(doomed.id) is False
    assert [m.text for m in store.list_messages(kept.id)] == ["kept"]
    assert store.authenticate(kept.id, kept.token)


def test_data_survives_a_restart(database_url: str, store: SessionStore, engine: Engine):
    session = store.create_session()
    store.add_message(session.id, "user", "before restart", {"k": "v"})
    store.save_state(session.id, {"escalation": 2}, "so far")
    engine.dispose()

    restarted = make_engine(database_url)
    try:
        again = SessionStore(restarted)
        assert again.authenticate(session.id, session.token)
        assert [(m.seq, m.role, m.text, m.meta) for m in again.list_messages(session.id)] == [
            (1, "user", "before restart", {"k": "v"})
        ]
        assert again.load_state(session.id) == ({"escalation": 2}, "so far")
        assert again.add_message(session.id, "coach", "after restart").seq == 2
    finally:
        restarted.dispose()


# --- concurrency ---------------------------------------------------------------------------


def test_concurrent_writers_get_unique_gap_free_numbers(store: SessionStore):
    threads, per_thread, session_count = 8, 25, 4
    sessions = [store.create_session().id for _ in range(session_count)]
    start = threading.Barrier(threads)

    def write(worker: int) -> list[int]:
        session_id = sessions[worker % session_count]
        start.wait()
        return [
            store.add_message(session_id, "user", f"w{worker}-m{number}").seq for number in range(per_thread)
        ]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        returned = list(pool.map(write, range(threads)))

    for index, session_id in enumerate(sessions):
        messages = store.list_messages(session_id)
        writers = [w for w in range(threads) if w % session_count == index]
        expected_texts = {f"w{w}-m{n}" for w in writers for n in range(per_thread)}
        assert [m.seq for m in messages] == list(range(1, len(expected_texts) + 1))
        assert sorted(m.text for m in messages) == sorted(expected_texts)  # each exactly once, none foreign
        assert store.count_messages(session_id) == len(expected_texts)
        for worker in writers:
            mine = [m for m in messages if m.text.startswith(f"w{worker}-")]
            assert [m.text for m in mine] == [f"w{worker}-m{n}" for n in range(per_thread)]  # in order
            assert [m.seq for m in mine] == returned[worker]  # add_message reported the stored number
