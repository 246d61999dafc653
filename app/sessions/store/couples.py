"""The couple around chat sessions: shared spaces, participants, invite codes, shared items.

Every method is one transaction. Invite codes and client keys are stored only as hashes.
Nothing here decides what may be shown to whom; ``app.together`` does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, insert, select, update

from app.sessions.store.db import write_transaction
from app.sessions.store.models import COUPLE_ROLES, SHARED_KINDS, ClientLink, Invite, Participant, SharedItem, TogetherSpace
from app.sessions.store.repository import SessionNotFound, hash_token

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParticipantRow:
    id: str
    session_id: str
    space_id: str | None
    role: str
    safety_hold: bool
    step_agreed: bool


@dataclass(frozen=True)
class SpaceRow:
    id: str
    status: str
    safety_hold: bool


@dataclass(frozen=True)
class SharedRow:
    id: int
    participant_id: str
    kind: str
    text: str = field(repr=False)
    created_at: datetime


class InviteRefused(LookupError):
    """A used, expired or unknown code, or a space that can no longer be joined (one reason for all)."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class CoupleStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._clock = clock

    # ------------------------------------------------------------------ participants
    def participant(self, session_id: str) -> ParticipantRow:
        with self._engine.begin() as connection:
            row = connection.execute(
                select(*Participant.__table__.c).where(Participant.session_id == session_id)
            ).one_or_none()
            if row is None:
                raise SessionNotFound(session_id)
            return _participant_row(row)

    def members(self, space_id: str) -> list[ParticipantRow]:
        with self._engine.begin() as connection:
            rows = connection.execute(
                select(*Participant.__table__.c)
                .where(Participant.space_id == space_id)
                .order_by(Participant.created_at, Participant.id)
            ).all()
            return [_participant_row(row) for row in rows]

    def set_role(self, participant_id: str, role: str) -> None:
        if role not in COUPLE_ROLES:
            raise ValueError(f"role must be one of {COUPLE_ROLES}")
        with write_transaction(self._engine) as connection:
            connection.execute(update(Participant).where(Participant.id == participant_id).values(role=role))

    def agree(self, participant_id: str) -> None:
        with write_transaction(self._engine) as connection:
            connection.execute(
                update(Participant).where(Participant.id == participant_id).values(step_agreed_at=self._clock())
            )

    def hold(self, participant_id: str) -> None:
        """Never propose joint work to this participant again (a safety concern was raised)."""
        with write_transaction(self._engine) as connection:
            connection.execute(update(Participant).where(Participant.id == participant_id).values(safety_hold=True))

    # ------------------------------------------------------------------ spaces
    def space(self, space_id: str) -> SpaceRow | None:
        with self._engine.begin() as connection:
            row = connection.execute(
                select(TogetherSpace.id, TogetherSpace.status, TogetherSpace.safety_hold).where(TogetherSpace.id == space_id)
            ).one_or_none()
        return None if row is None else SpaceRow(id=row.id, status=row.status, safety_hold=row.safety_hold)

    def open_space_for(self, participant_id: str) -> str:
        """The participant's open space, or a new one they are moved into."""
        now = self._clock()
        with write_transaction(self._engine) as connection:
            current = connection.execute(
                select(TogetherSpace.id)
                .join(Participant, Participant.space_id == TogetherSpace.id)
                .where(Participant.id == participant_id, TogetherSpace.status == "open")
            ).scalar_one_or_none()
            if current is not None:
                return current
            space_id = str(uuid.uuid4())
            connection.execute(
                insert(TogetherSpace).values(id=space_id, status="open", safety_hold=False, created_at=now, closed_at=None)
            )
            connection.execute(
                update(Participant).where(Participant.id == participant_id).values(space_id=space_id, step_agreed_at=None)
            )
            return space_id

    def close(self, space_id: str, *, safety: bool = False) -> None:
        values = {"status": "closed", "closed_at": self._clock()}
        if safety:
            values["safety_hold"] = True
        with write_transaction(self._engine) as connection:
            connection.execute(update(TogetherSpace).where(TogetherSpace.id == space_id).values(**values))
            connection.execute(update(Invite).where(Invite.space_id == space_id, Invite.used_at.is_(None)).values(used_at=self._clock()))
        log.info("closed shared space %s", space_id)

    # ------------------------------------------------------------------ invites
    def add_invite(self, space_id: str, code: str, ttl: timedelta) -> datetime:
        expires = self._clock() + ttl
        with write_transaction(self._engine) as connection:
            connection.execute(insert(Invite).values(code_hash=hash_token(code), space_id=space_id, expires_at=expires, used_at=None))
        return expires

    def claim_invite(self, code: str, session_id: str, role: str) -> str:
        """Use the code up and put ``session_id``'s participant into its space; ``InviteRefused`` otherwise."""
        if role not in COUPLE_ROLES:
            raise ValueError(f"role must be one of {COUPLE_ROLES}")
        now = self._clock()
        with write_transaction(self._engine) as connection:
            invite = connection.execute(
                select(Invite.space_id, Invite.expires_at, Invite.used_at).where(Invite.code_hash == hash_token(code))
            ).one_or_none()
            if invite is None or invite.used_at is not None or invite.expires_at <= now:
                raise InviteRefused()
            status = connection.execute(select(TogetherSpace.status).where(TogetherSpace.id == invite.space_id)).scalar_one()
            members = connection.execute(select(Participant.id).where(Participant.space_id == invite.space_id)).all()
            if status != "open" or len(members) != 1:
                raise InviteRefused()
            connection.execute(update(Invite).where(Invite.code_hash == hash_token(code)).values(used_at=now))
            connection.execute(
                update(Participant).where(Participant.session_id == session_id).values(space_id=invite.space_id, role=role)
            )
            return invite.space_id

    # ------------------------------------------------------------------ shared items
    def share(self, space_id: str, participant_id: str, kind: str, text: str) -> SharedRow:
        if kind not in SHARED_KINDS:
            raise ValueError(f"kind must be one of {SHARED_KINDS}")
        now = self._clock()
        with write_transaction(self._engine) as connection:
            new_id = connection.execute(
                insert(SharedItem)
                .values(space_id=space_id, participant_id=participant_id, kind=kind, text=text, created_at=now)
                .returning(SharedItem.id)
            ).scalar_one()
        return SharedRow(id=new_id, participant_id=participant_id, kind=kind, text=text, created_at=now)

    def shared(self, space_id: str) -> list[SharedRow]:
        with self._engine.begin() as connection:
            rows = connection.execute(
                select(*SharedItem.__table__.c).where(SharedItem.space_id == space_id).order_by(SharedItem.id)
            ).all()
            return [
                SharedRow(id=r.id, participant_id=r.participant_id, kind=r.kind, text=r.text, created_at=r.created_at)
                for r in rows
            ]

    # ------------------------------------------------------------------ chat clients
    def linked_session(self, key: str) -> str | None:
        with self._engine.begin() as connection:
            return connection.execute(
                select(ClientLink.session_id).where(ClientLink.key_hash == hash_token(key))
            ).scalar_one_or_none()

    def link(self, key: str, session_id: str) -> None:
        with write_transaction(self._engine) as connection:
            connection.execute(insert(ClientLink).values(key_hash=hash_token(key), session_id=session_id))


def _participant_row(row) -> ParticipantRow:
    return ParticipantRow(
        id=row.id, session_id=row.session_id, space_id=row.space_id, role=row.role,
        safety_hold=row.safety_hold, step_agreed=row.step_agreed_at is not None,
    )
