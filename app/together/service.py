"""Two partners around one coach: invite, join, share, the Together view, agree, leave, safety.

Private by default: the Together view is built only from shared items, and a participant only
ever reaches their own chat session (their token is that session's token). A safety concern
about the partner in either private chat closes the space for both for good: the other partner
sees the same neutral "closed" message as after a leave, and neither is offered joint work again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.detect.types import Analysis
from app.prompts import PromptLibrary
from app.screen.types import SafetyResult
from app.sessions.store.couples import CoupleStore, InviteRefused, ParticipantRow
from app.sessions.store.repository import NewSession, SessionNotFound, SessionStore
from app.together.gate import closes_shared_space
from app.together.guide import Guidance, PartnerInput, guide, share_draft

log = logging.getLogger(__name__)

__all__ = ["Together", "InviteRefused", "JointWorkUnavailable", "NothingToShare", "TogetherView", "Invitation"]

INVITE_CODE_BYTES = 16
COACH_ROLES = {"pursuer": "pursuer", "distancer": "distancer"}


class JointWorkUnavailable(RuntimeError):
    """Inviting a partner is not offered in this session."""


class NothingToShare(LookupError):
    """No such message of the author's own (or it is not theirs to share)."""


@dataclass(frozen=True)
class Invitation:
    code: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class SharedView:
    you: bool
    kind: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class TogetherView:
    status: str  # "alone" (no partner invited), "waiting", "open", "closed"
    message: str
    your_role: str
    partner_role: str | None
    shared: list[SharedView]
    guidance: Guidance | None


class Together:
    def __init__(
        self,
        sessions: SessionStore,
        couples: CoupleStore,
        prompts: PromptLibrary,
        analyze: Callable[[str], Analysis],
        *,
        invite_ttl: timedelta,
    ) -> None:
        self.sessions = sessions
        self.couples = couples
        self.prompts = prompts
        self.analyze = analyze
        self.invite_ttl = invite_ttl

    # ------------------------------------------------------------------ joining
    def invite(self, session_id: str) -> Invitation:
        me = self._me(session_id)
        if me.safety_hold:
            raise JointWorkUnavailable()
        space_id = self.couples.open_space_for(me.id)
        space = self.couples.space(space_id)
        if space is None or space.safety_hold or len(self.couples.members(space_id)) > 1:
            raise JointWorkUnavailable()
        code = secrets.token_urlsafe(INVITE_CODE_BYTES)
        expires = self.couples.add_invite(space_id, code, self.invite_ttl)
        log.info("invite created for space %s", space_id)
        return Invitation(code=code, expires_at=expires)

    def join(self, code: str, role: str = "unsure") -> NewSession:
        """A private session of the partner's own, in the inviter's space; ``InviteRefused`` for any bad code."""
        if not isinstance(code, str) or not code or len(code) > 200:
            raise InviteRefused()
        created = self.sessions.create_session()
        try:
            self.couples.claim_invite(code, created.id, role)
        except InviteRefused:
            self.sessions.delete_session(created.id)
            raise
        return created

    # ------------------------------------------------------------------ sharing
    def share_message(self, session_id: str, seq: int) -> SharedView:
        me, space_id = self._in_open_space(session_id)
        mine = [m for m in self.sessions.list_messages(session_id) if m.seq == seq and m.role == "user"]
        if not mine:
            raise NothingToShare()
        return self._share(me, space_id, "message", mine[0].text)

    def share_summary(self, session_id: str, text: str) -> SharedView:
        me, space_id = self._in_open_space(session_id)
        return self._share(me, space_id, "summary", text)

    def draft_summary(self, session_id: str) -> str:
        me = self._me(session_id)
        texts = [m.text for m in self.sessions.list_messages(session_id) if m.role == "user"]
        return share_draft(texts, self.prompts, self.analyze, self._role(me))

    def _share(self, me: ParticipantRow, space_id: str, kind: str, text: str) -> SharedView:
        row = self.couples.share(space_id, me.id, kind, text)
        return SharedView(you=True, kind=kind, text=row.text, created_at=row.created_at)

    # ------------------------------------------------------------------ the shared space
    def view(self, session_id: str) -> TogetherView:
        me = self._me(session_id)
        role = self._role(me)
        if me.space_id is None:
            return TogetherView("alone", "", role, None, [], None)
        space = self.couples.space(me.space_id)
        if space is None or space.status != "open" or me.safety_hold:
            return TogetherView("closed", self.prompts.get("together_closed"), role, None, [], None)
        members = self.couples.members(me.space_id)
        partner = next((m for m in members if m.id != me.id), None)
        if partner is None:
            return TogetherView("waiting", self.prompts.get("together_waiting"), role, None, [], None)
        partner_role = self._role(partner)
        items = self.couples.shared(me.space_id)
        shared = [SharedView(you=i.participant_id == me.id, kind=i.kind, text=i.text, created_at=i.created_at) for i in items]
        inputs = [
            PartnerInput(you=True, role=role, shared=[i.text for i in items if i.participant_id == me.id], agreed=me.step_agreed),
            PartnerInput(
                you=False, role=partner_role, shared=[i.text for i in items if i.participant_id == partner.id], agreed=partner.step_agreed
            ),
        ]
        return TogetherView("open", "", role, partner_role, shared, guide(inputs, self.prompts, self.analyze))

    def agree(self, session_id: str) -> TogetherView:
        me, _ = self._in_open_space(session_id)
        self.couples.agree(me.id)
        return self.view(session_id)

    def set_role(self, session_id: str, role: str) -> None:
        self.couples.set_role(self._me(session_id).id, role)

    def leave(self, session_id: str) -> None:
        """Leave the couple: the leaver's messages are erased everywhere (the whole private session) and the space closes."""
        me = self._me(session_id)
        if me.space_id is not None:
            self.couples.close(me.space_id)
        self.sessions.delete_session(session_id)

    def before_delete(self, session_id: str) -> None:
        """A participant deleting their session closes the space they were in."""
        try:
            me = self._me(session_id)
        except SessionNotFound:
            return
        if me.space_id is not None:
            self.couples.close(me.space_id)

    # ------------------------------------------------------------------ safety for two
    def after_private_turn(self, session_id: str, safety: SafetyResult | None) -> bool:
        """Close the space for both (and hold this participant) when the turn raised a concern about the partner."""
        if not closes_shared_space(safety):
            return False
        try:
            me = self._me(session_id)
        except SessionNotFound:
            return False
        self.couples.hold(me.id)
        if me.space_id is not None:
            self.couples.close(me.space_id, safety=True)
        log.info("safety for two: shared space closed for session %s", session_id)
        return True

    # ------------------------------------------------------------------ helpers
    def _me(self, session_id: str) -> ParticipantRow:
        return self.couples.participant(session_id)

    def _in_open_space(self, session_id: str) -> tuple[ParticipantRow, str]:
        me = self._me(session_id)
        space = self.couples.space(me.space_id) if me.space_id else None
        if space is None or space.status != "open" or me.safety_hold:
            raise JointWorkUnavailable()
        return me, space.id

    def _role(self, participant: ParticipantRow) -> str:
        if participant.role != "unsure":
            return participant.role
        try:
            state, _ = self.sessions.load_state(participant.session_id)
        except SessionNotFound:
            return "unsure"
        return COACH_ROLES.get(str(state.get("role", "")), "unsure")
