"""Two partners: participants, shared spaces, invites, shared items, client links; a speaker per message.

Existing sessions are kept: each gets its owner participant (role "unsure"), and each existing
message its speaker (the owner for user messages, "coach" for the coach's).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 36


def upgrade() -> None:
    op.create_table(
        "together_spaces",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("safety_hold", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_together_spaces"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_together_spaces_status"),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("session_id", sa.String(ID), nullable=False),
        sa.Column("space_id", sa.String(ID), nullable=True),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("safety_hold", sa.Boolean(), nullable=False),
        sa.Column("step_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_participants"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["chat_sessions.id"], name="fk_participants_session_id_chat_sessions", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["together_spaces.id"], name="fk_participants_space_id_together_spaces", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("session_id", name="uq_participants_session_id"),
        sa.CheckConstraint("role IN ('pursuer', 'distancer', 'unsure')", name="ck_participants_role"),
    )
    op.create_table(
        "invites",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("space_id", sa.String(ID), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_invites"),
        sa.ForeignKeyConstraint(
            ["space_id"], ["together_spaces.id"], name="fk_invites_space_id_together_spaces", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "shared_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("space_id", sa.String(ID), nullable=False),
        sa.Column("participant_id", sa.String(ID), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shared_items"),
        sa.ForeignKeyConstraint(
            ["space_id"], ["together_spaces.id"], name="fk_shared_items_space_id_together_spaces", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name="fk_shared_items_participant_id_participants", ondelete="CASCADE"
        ),
        sa.CheckConstraint("kind IN ('message', 'summary')", name="ck_shared_items_kind"),
    )
    op.create_table(
        "client_links",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(ID), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name="pk_client_links"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["chat_sessions.id"], name="fk_client_links_session_id_chat_sessions", ondelete="CASCADE"
        ),
    )
    # A plain ADD COLUMN (no table copy on SQLite); the default only serves the backfill.
    op.add_column("chat_messages", sa.Column("speaker", sa.String(ID), nullable=False, server_default="coach"))
    _backfill()
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("chat_messages", "speaker", existing_type=sa.String(ID), server_default=None)


def _backfill() -> None:
    """An owner participant for every existing session; a speaker for every existing message."""
    connection = op.get_bind()
    sessions = sa.table("chat_sessions", sa.column("id", sa.String))
    participants = sa.table(
        "participants",
        sa.column("id", sa.String), sa.column("session_id", sa.String), sa.column("space_id", sa.String),
        sa.column("role", sa.String), sa.column("safety_hold", sa.Boolean),
        sa.column("step_agreed_at", sa.DateTime(timezone=True)), sa.column("created_at", sa.DateTime(timezone=True)),
    )
    messages = sa.table(
        "chat_messages", sa.column("session_id", sa.String), sa.column("role", sa.String), sa.column("speaker", sa.String)
    )
    now = datetime.now(timezone.utc)
    for session_id in connection.execute(sa.select(sessions.c.id)).scalars().all():
        participant_id = str(uuid.uuid4())
        connection.execute(
            participants.insert().values(
                id=participant_id, session_id=session_id, space_id=None, role="unsure",
                safety_hold=False, step_agreed_at=None, created_at=now,
            )
        )
        connection.execute(
            messages.update()
            .where(messages.c.session_id == session_id, messages.c.role == "user")
            .values(speaker=participant_id)
        )
    connection.execute(messages.update().where(messages.c.role == "coach").values(speaker="coach"))


def downgrade() -> None:
    op.drop_column("chat_messages", "speaker")
    op.drop_table("client_links")
    op.drop_table("shared_items")
    op.drop_table("invites")
    op.drop_table("participants")
    op.drop_table("together_spaces")
