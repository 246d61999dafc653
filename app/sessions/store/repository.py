"""The session store: chat sessions, their access tokens, messages and coaching state.

Every method is one database transaction; once a method returns, its write is committed
(so a user's message is safe before the coach starts on a reply). Message texts and tokens
are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from app.sessions.store.db import purge_deleted_pages, write_transaction
from app.sessions.store.models import (
    COACH_SPEAKER,
    MESSAGE_ROLES,
    ChatMessage,
    ChatSession,
    ClientLink,
    Participant,
    SharedItem,
)

log = logging.getLogger(__name__)

TOKEN_BYTES = 32


@dataclass(frozen=True)
class StoredMessage:
    """A message as stored: ``seq`` is 1, 2, 3… within its session."""

    seq: int
    role: str
    text: str = field(repr=False)
    created_at: datetime
    meta: dict[str, Any]
    speaker: str = ""  # the participant who wrote it, or "coach"


@dataclass(frozen=True)
class NewSession:
    """A freshly created session; ``token`` is shown to the client once and never stored."""

    id: str
    token: str = field(repr=False)


class SessionNotFound(LookupError):
    """No such session (or it was deleted)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {str(session_id)[:64]!r} not found")
        self.session_id = session_id


def hash_token(token: str) -> str:
    """sha256 of the token, hex: tokens are random 32-byte secrets, so no salt or stretching."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _new_session_id() -> str:
    return str(uuid.uuid4())


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


_HASH_OF_NOTHING = hash_token("")


class SessionStore:
    """Chat sessions and their messages in a SQL database (SQLite or PostgreSQL).

    Thread-safe: share one instance (and its engine) across request threads.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def create_session(self) -> NewSession:
        session = NewSession(id=_new_session_id(), token=_new_token())
        now = self._now()
        with write_transaction(self._engine) as connection:
            connection.execute(
                insert(ChatSession).values(
                    id=session.id,
                    token_hash=hash_token(session.token),
                    created_at=now,
                    updated_at=now,
                    last_seq=0,
                    state={},
                    summary="",
                )
            )
            connection.execute(
                insert(Participant).values(
                    id=str(uuid.uuid4()), session_id=session.id, space_id=None, role="unsure",
                    safety_hold=False, step_agreed_at=None, created_at=now,
                )
            )
        log.info("created session %s", session.id)
        return session

    def authenticate(self, session_id: str, token: str) -> bool:
        """True only if the session exists and ``token`` is its token (compared in constant time)."""
        if not isinstance(token, str) or not _is_session_id(session_id):
            return False
        with self._engine.begin() as connection:
            stored = connection.execute(
                select(ChatSession.token_hash).where(ChatSession.id == session_id)
            ).scalar_one_or_none()
        presented = hash_token(token)
        if stored is None:
            hmac.compare_digest(presented, _HASH_OF_NOTHING)  # same work as for a known id
            return False
        return hmac.compare_digest(presented, stored)

    def exists(self, session_id: str) -> bool:
        if not _is_session_id(session_id):
            return False
        with self._engine.begin() as connection:
            return _session_exists(connection, session_id)

    def add_message(
        self, session_id: str, role: str, text: str, meta: dict[str, Any] | None = None
    ) -> StoredMessage:
        """Append a message and commit it; its ``seq`` is one more than the session's last.

        Concurrent writers to one session are serialised on the session row, so sequence
        numbers stay unique and gap-free; a failed write uses up no number.
        """
        if role not in MESSAGE_ROLES:
            raise ValueError(f"role must be one of {MESSAGE_ROLES}, not {role!r}")
        _require_text(text, "text")
        meta = _json_copy({} if meta is None else meta, "meta")
        self._require_id(session_id)
        now = self._now()
        with write_transaction(self._engine) as connection:
            # Taking the next number locks the session row until commit.
            seq = connection.execute(
                update(ChatSession)
                .where(ChatSession.id == session_id)
                .values(last_seq=ChatSession.last_seq + 1, updated_at=now)
                .returning(ChatSession.last_seq)
            ).scalar_one_or_none()
            if seq is None:
                raise SessionNotFound(session_id)
            speaker = COACH_SPEAKER if role == "coach" else _owner_of(connection, session_id)
            connection.execute(
                insert(ChatMessage).values(
                    session_id=session_id, seq=seq, role=role, text=text, created_at=now, meta=meta, speaker=speaker
                )
            )
        log.debug("stored %s message %d of session %s", role, seq, session_id)
        return StoredMessage(seq=seq, role=role, text=text, created_at=now, meta=meta, speaker=speaker)

    def list_messages(self, session_id: str, *, limit: int | None = None) -> list[StoredMessage]:
        """The session's messages, oldest first; with ``limit``, only the last ``limit`` of them."""
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise ValueError("limit must be a non-negative integer or None")
        self._require_id(session_id)
        query = (
            select(
                ChatMessage.seq, ChatMessage.role, ChatMessage.text, ChatMessage.created_at, ChatMessage.meta,
                ChatMessage.speaker,
            )
            .where(ChatMessage.session_id == session_id)
            .order_by(ChatMessage.seq.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        with self._engine.begin() as connection:
            if not _session_exists(connection, session_id):
                raise SessionNotFound(session_id)
            rows = connection.execute(query).all()
        return [
            StoredMessage(
                seq=row.seq, role=row.role, text=row.text, created_at=row.created_at, meta=row.meta, speaker=row.speaker
            )
            for row in reversed(rows)
        ]

    def count_messages(self, session_id: str) -> int:
        """How many messages the session has; ``SessionNotFound`` for an unknown session."""
        self._require_id(session_id)
        query = (
            select(func.count(ChatMessage.id))
            .select_from(ChatSession)
            .outerjoin(ChatMessage, ChatMessage.session_id == ChatSession.id)
            .where(ChatSession.id == session_id)
            .group_by(ChatSession.id)
        )
        with self._engine.begin() as connection:
            count = connection.execute(query).scalar_one_or_none()
        if count is None:
            raise SessionNotFound(session_id)
        return count

    def load_state(self, session_id: str) -> tuple[dict[str, Any], str]:
        """The coach's state blob and running summary (``({}, "")`` for a new session)."""
        self._require_id(session_id)
        with self._engine.begin() as connection:
            row = connection.execute(
                select(ChatSession.state, ChatSession.summary).where(ChatSession.id == session_id)
            ).one_or_none()
        if row is None:
            raise SessionNotFound(session_id)
        return row.state, row.summary

    def save_state(self, session_id: str, state: dict[str, Any], summary: str) -> None:
        """Replace the coach's state and summary (the last writer wins)."""
        state = _json_copy(state, "state")
        _require_text(summary, "summary")
        self._require_id(session_id)
        with write_transaction(self._engine) as connection:
            updated = connection.execute(
                update(ChatSession)
                .where(ChatSession.id == session_id)
                .values(state=state, summary=summary, updated_at=self._now())
            ).rowcount
            if updated == 0:
                raise SessionNotFound(session_id)

    def delete_session(self, session_id: str) -> bool:
        """Erase the session and all its messages for good; False if there was no such session."""
        if not _is_session_id(session_id):
            return False
        with write_transaction(self._engine) as connection:
            # The session row first: this waits for any message being added to it right now.
            deleted = connection.execute(delete(ChatSession).where(ChatSession.id == session_id)).rowcount
            # ON DELETE CASCADE has removed the messages; this also covers a connection that
            # was opened without foreign-key enforcement.
            connection.execute(delete(ChatMessage).where(ChatMessage.session_id == session_id))
            owners = select(Participant.id).where(Participant.session_id == session_id).scalar_subquery()
            connection.execute(delete(SharedItem).where(SharedItem.participant_id.in_(owners)))
            connection.execute(delete(Participant).where(Participant.session_id == session_id))
            connection.execute(delete(ClientLink).where(ClientLink.session_id == session_id))
        if deleted:
            purge_deleted_pages(self._engine)
            log.info("deleted session %s", session_id)
        return bool(deleted)

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return now.astimezone(timezone.utc)

    @staticmethod
    def _require_id(session_id: str) -> None:
        if not _is_session_id(session_id):
            raise SessionNotFound(session_id)


def _owner_of(connection: Connection, session_id: str) -> str:
    """The participant whose private session this is (created with the session)."""
    owner = connection.execute(
        select(Participant.id).where(Participant.session_id == session_id)
    ).scalar_one_or_none()
    if owner is None:
        raise SessionNotFound(session_id)
    return owner


def _session_exists(connection: Connection, session_id: str) -> bool:
    found = connection.execute(select(ChatSession.id).where(ChatSession.id == session_id)).first()
    return found is not None


def _is_session_id(value: object) -> bool:
    """Only canonical UUID strings can name a session; anything else is simply not found."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _require_text(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str")
    if "\x00" in value:
        # PostgreSQL cannot store NUL characters in text; refuse them on every backend alike.
        raise ValueError(f"{name} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} is not valid Unicode (lone surrogate)") from None


def _json_copy(value: object, name: str) -> dict[str, Any]:
    """The dict exactly as it will read back from the database (and proof that it can be stored).

    NaN and infinities are refused: PostgreSQL's json type does not accept them.
    """
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict")
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} is not JSON-serialisable: {error}") from None
