"""The tables of the session store: chat sessions, their messages, and the couple around them.

A chat session is one participant's private conversation with the coach; its token is that
participant's own. Two participants can share a ``together_spaces`` row (joined with a
one-time invite code); what either shares lands in ``shared_items``. Every message names its
speaker: the participant who wrote it, or ``coach``.

The schema itself is created by the Alembic migrations in ``app/sessions/store/migrations``; these
declarations describe it for queries, and a test checks that the two never drift apart.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint and index names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MESSAGE_ROLES = ("user", "coach")
COUPLE_ROLES = ("pursuer", "distancer", "unsure")
SPACE_STATUSES = ("open", "closed")
SHARED_KINDS = ("message", "summary")
COACH_SPEAKER = "coach"
SESSION_ID_LENGTH = 36  # a canonical UUID string
TOKEN_HASH_LENGTH = 64  # sha256, hex


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in as an aware datetime and always comes out in UTC.

    PostgreSQL keeps it as ``timestamptz``; SQLite keeps the UTC wall time, which is read back
    with ``tzinfo=UTC`` attached.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ChatSession(Base):
    """One coaching chat: who may use it (a token hash) and the coach's running state."""

    __tablename__ = "chat_sessions"

    id: Mapped[str] = mapped_column(String(SESSION_ID_LENGTH), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)


class ChatMessage(Base):
    """One message of a chat, numbered 1, 2, 3… within its session."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        CheckConstraint("role IN ('user', 'coach')", name="role"),
        CheckConstraint("seq > 0", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    session_id: Mapped[str] = mapped_column(
        String(SESSION_ID_LENGTH),
        ForeignKey("chat_sessions.id", ondelete="CASCADE"),
        nullable=False,
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    speaker: Mapped[str] = mapped_column(String(SESSION_ID_LENGTH), nullable=False)


class TogetherSpace(Base):
    """The shared space of a couple; ``safety_hold`` is never shown to anyone."""

    __tablename__ = "together_spaces"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)

    id: Mapped[str] = mapped_column(String(SESSION_ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    safety_hold: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Participant(Base):
    """One partner: their private chat session (whose token is theirs) and their role in the couple."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("session_id"),
        CheckConstraint("role IN ('pursuer', 'distancer', 'unsure')", name="role"),
    )

    id: Mapped[str] = mapped_column(String(SESSION_ID_LENGTH), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(SESSION_ID_LENGTH), ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False
    )
    space_id: Mapped[str | None] = mapped_column(
        String(SESSION_ID_LENGTH), ForeignKey("together_spaces.id", ondelete="SET NULL"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(12), nullable=False)
    safety_hold: Mapped[bool] = mapped_column(Boolean, nullable=False)
    step_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Invite(Base):
    """A one-time code to join a space (only its hash is kept)."""

    __tablename__ = "invites"

    code_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), primary_key=True)
    space_id: Mapped[str] = mapped_column(
        String(SESSION_ID_LENGTH), ForeignKey("together_spaces.id", ondelete="CASCADE"), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SharedItem(Base):
    """Something a participant chose to show their partner: one of their messages, or an edited summary."""

    __tablename__ = "shared_items"
    __table_args__ = (CheckConstraint("kind IN ('message', 'summary')", name="kind"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    space_id: Mapped[str] = mapped_column(
        String(SESSION_ID_LENGTH), ForeignKey("together_spaces.id", ondelete="CASCADE"), nullable=False
    )
    participant_id: Mapped[str] = mapped_column(
        String(SESSION_ID_LENGTH), ForeignKey("participants.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ClientLink(Base):
    """A chat client's stable ``user`` (hashed) mapped to the stored session it talks in."""

    __tablename__ = "client_links"

    key_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(SESSION_ID_LENGTH), ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False
    )


metadata = Base.metadata
