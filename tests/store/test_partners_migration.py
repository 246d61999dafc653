"""Migration 0002 (two partners) keeps today's sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

from alembic import command
from sqlalchemy import Engine, insert, inspect, select

from app.sessions.store.couples import CoupleStore
from app.sessions.store.db import alembic_config, make_engine, upgrade_database, write_transaction
from app.sessions.store.models import ChatMessage, Participant
from app.sessions.store.repository import SessionStore, hash_token
from sqlalchemy import table, column, String, Integer, JSON, DateTime

SESSION = "6f1c2a9e-3b7d-4c1e-9a55-0d2b7f4e8c11"
TOKEN = "an-old-token"


def upgrade_to(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with write_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_existing_sessions_get_an_owner_and_every_message_a_speaker(fresh_database_url: str):
    engine = make_engine(fresh_database_url)
    try:
        upgrade_to(engine, "0001")
        now = datetime.now(timezone.utc)
        sessions = table(
            "chat_sessions", column("id", String), column("token_hash", String), column("created_at", DateTime(timezone=True)),
            column("updated_at", DateTime(timezone=True)), column("last_seq", Integer), column("state", JSON), column("summary", String),
        )
        messages = table(
            "chat_messages", column("session_id", String), column("seq", Integer), column("role", String),
            column("text", String), column("created_at", DateTime(timezone=True)), column("meta", JSON),
        )
        with engine.begin() as connection:
            connection.execute(insert(sessions).values(
                id=SESSION, token_hash=hash_token(TOKEN), created_at=now, updated_at=now, last_seq=2, state={"role": "pursuer"}, summary="",
            ))
            connection.execute(insert(messages), [
                {"session_id": SESSION, "seq": 1, "role": "user", "text": "before the upgrade", "created_at": now, "meta": {}},
                {"session_id": SESSION, "seq": 2, "role": "coach", "text": "a reply", "created_at": now, "meta": {}},
            ])

        upgrade_database(engine)

        assert {"participants", "together_spaces", "invites", "shared_items", "client_links"} <= set(inspect(engine).get_table_names())
        store = SessionStore(engine)
        assert store.authenticate(SESSION, TOKEN)  # the old token still opens the old session
        owner = CoupleStore(engine).participant(SESSION)
        assert owner.role == "unsure" and owner.space_id is None
        history = store.list_messages(SESSION)
        assert [(m.text, m.speaker) for m in history] == [("before the upgrade", owner.id), ("a reply", "coach")]
        assert store.add_message(SESSION, "user", "after the upgrade").speaker == owner.id
        with engine.connect() as connection:
            assert connection.execute(select(Participant.id)).scalars().all() == [owner.id]
            assert connection.execute(select(ChatMessage.speaker).where(ChatMessage.seq == 3)).scalar_one() == owner.id
    finally:
        engine.dispose()
