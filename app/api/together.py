"""Two partners over HTTP: invite, join, share, the Together view, agree, choose a role, leave.

Every route but ``join`` is under ``/v1/sessions/{id}`` and needs that session's own token, so a
participant only ever reaches their own private session; the Together view is built only from
what each partner chose to share. A used, expired or wrong invite code all answer the same 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, Field, model_validator

from app.api.deps import ServicesDep
from app.api.schemas import ErrorOut, user_text
from app.api.sessions import SessionCreated, SessionId
from app.sessions.store.couples import InviteRefused
from app.together.service import JointWorkUnavailable, NothingToShare, Together, TogetherView

router = APIRouter(prefix="/v1", tags=["together"])

INVITE_NOT_FOUND = "invite not found"
NOT_AVAILABLE = "the shared space is not available in this session"
MAX_SHARE_CHARS = 2000
CoupleRole = Literal["pursuer", "distancer", "unsure"]
ShareText = user_text(MAX_SHARE_CHARS, "A summary for your partner, in your own words (edit the coach's draft).", "Lately I have been feeling alone in the evenings.")


def get_together(services: ServicesDep) -> Together:
    return services.together


TogetherDep = Annotated[Together, Depends(get_together)]


# ---------------------------------------------------------------------- schemas
class InviteOut(BaseModel):
    code: str = Field(description="One-time code for your partner; shown once.", examples=["Vb3…"])
    link: str = Field(description="The page's join link with the code.", examples=["/#join=Vb3…"])
    expires_at: datetime


class JoinIn(BaseModel):
    code: str = Field(min_length=1, max_length=200, examples=["Vb3…"])
    role: CoupleRole = Field("unsure", description="Your usual move when things get tense, if you know it.")


class ShareIn(BaseModel):
    seq: int | None = Field(None, ge=1, le=2**31 - 1, description="One of your own messages (its seq) to share as it is.")
    text: ShareText | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "ShareIn":
        if (self.seq is None) == (self.text is None):
            raise ValueError("give either seq (one of your messages) or text (a summary), not both")
        return self


class RoleIn(BaseModel):
    role: CoupleRole


class SharedOut(BaseModel):
    author: Literal["you", "partner"]
    kind: Literal["message", "summary"]
    text: str
    created_at: datetime


class ReflectionOut(BaseModel):
    who: Literal["you", "partner"]
    feeling: str
    need: str
    text: str


class StepOut(BaseModel):
    who: Literal["you", "partner"]
    role: CoupleRole
    text: str
    agreed: bool


class TechniqueOut(BaseModel):
    id: str = Field(examples=["name_the_dance"])
    text: str
    source_id: str = Field(examples=["knowledge/naming-the-dance-together.md"])


class TogetherOut(BaseModel):
    status: Literal["alone", "waiting", "open", "closed"] = Field(
        description="alone: no partner invited; waiting: invited, not joined; open; closed (for good)."
    )
    message: str = ""
    your_role: CoupleRole
    partner_role: CoupleRole | None = None
    shared: list[SharedOut] = Field(default_factory=list)
    cycle: str | None = None
    reflections: list[ReflectionOut] = Field(default_factory=list)
    common_ground: str | None = None
    steps: list[StepOut] = Field(default_factory=list)
    techniques: list[TechniqueOut] = Field(default_factory=list)


class DraftOut(BaseModel):
    text: str = Field(description="A first draft from your own messages; edit it, then share it as text.")


def _who(you: bool) -> Literal["you", "partner"]:
    return "you" if you else "partner"


def together_out(view: TogetherView) -> TogetherOut:
    g = view.guidance
    return TogetherOut(
        status=view.status,
        message=view.message,
        your_role=view.your_role,
        partner_role=view.partner_role,
        shared=[SharedOut(author=_who(s.you), kind=s.kind, text=s.text, created_at=s.created_at) for s in view.shared],
        cycle=g.cycle if g else None,
        reflections=[ReflectionOut(who=_who(r.you), feeling=r.feeling, need=r.need, text=r.text) for r in g.reflections] if g else [],
        common_ground=g.common_ground if g else None,
        steps=[StepOut(who=_who(s.you), role=s.role, text=s.text, agreed=s.agreed) for s in g.steps] if g else [],
        techniques=[TechniqueOut(id=t.id, text=t.text, source_id=t.source_id) for t in g.techniques] if g else [],
    )


NOT_AVAILABLE_RESPONSE = {409: {"model": ErrorOut, "description": "No open shared space for this session."}}
SESSION_404 = {404: {"model": ErrorOut, "description": "Unknown session, or a missing or wrong token."}}


# ---------------------------------------------------------------------- routes
@router.post(
    "/sessions/{session_id}/invite",
    status_code=status.HTTP_201_CREATED,
    response_model=InviteOut,
    operation_id="invite_partner",
    responses={**SESSION_404, **NOT_AVAILABLE_RESPONSE},
    summary="Invite your partner: a one-time code (and link) to join your shared space",
)
def invite(session_id: SessionId, together: TogetherDep) -> InviteOut:
    try:
        made = together.invite(session_id)
    except JointWorkUnavailable:
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_AVAILABLE) from None
    return InviteOut(code=made.code, link=f"/#join={made.code}", expires_at=made.expires_at)


@router.post(
    "/together/join",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionCreated,
    operation_id="join_partner",
    responses={404: {"model": ErrorOut, "description": "The code is wrong, used or expired (one answer for all)."}},
    summary="Join your partner with their code: you get a private session and a token of your own",
)
def join(body: JoinIn, together: TogetherDep) -> SessionCreated:
    try:
        created = together.join(body.code, body.role)
    except InviteRefused:
        raise HTTPException(status.HTTP_404_NOT_FOUND, INVITE_NOT_FOUND) from None
    return SessionCreated(id=created.id, token=created.token)


@router.get(
    "/sessions/{session_id}/together",
    response_model=TogetherOut,
    operation_id="get_together",
    responses=SESSION_404,
    summary="The shared space: what each of you shared, the cycle, reflections, and a step for each",
)
def get_together_view(session_id: SessionId, together: TogetherDep) -> TogetherOut:
    return together_out(together.view(session_id))


@router.post(
    "/sessions/{session_id}/together/share",
    status_code=status.HTTP_201_CREATED,
    response_model=SharedOut,
    operation_id="share_with_partner",
    responses={**SESSION_404, **NOT_AVAILABLE_RESPONSE},
    summary="Share one of your own messages, or a summary you edited, with your partner",
)
def share(body: ShareIn, session_id: SessionId, together: TogetherDep) -> SharedOut:
    try:
        if body.seq is not None:
            shared = together.share_message(session_id, body.seq)
        else:
            shared = together.share_summary(session_id, body.text or "")
    except NothingToShare:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such message of yours") from None
    except JointWorkUnavailable:
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_AVAILABLE) from None
    return SharedOut(author="you", kind=shared.kind, text=shared.text, created_at=shared.created_at)


@router.get(
    "/sessions/{session_id}/together/draft",
    response_model=DraftOut,
    operation_id="draft_share",
    responses=SESSION_404,
    summary="A coach-drafted summary of what you said, for you to edit before sharing",
)
def draft(session_id: SessionId, together: TogetherDep) -> DraftOut:
    return DraftOut(text=together.draft_summary(session_id))


@router.post(
    "/sessions/{session_id}/together/agree",
    response_model=TogetherOut,
    operation_id="agree_step",
    responses={**SESSION_404, **NOT_AVAILABLE_RESPONSE},
    summary="Record that you agree to your step",
)
def agree(session_id: SessionId, together: TogetherDep) -> TogetherOut:
    try:
        return together_out(together.agree(session_id))
    except JointWorkUnavailable:
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_AVAILABLE) from None


@router.put(
    "/sessions/{session_id}/together/role",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="set_couple_role",
    responses=SESSION_404,
    summary="Say which move you usually make: pursuer, distancer or not sure",
)
def set_role(body: RoleIn, session_id: SessionId, together: TogetherDep) -> Response:
    together.set_role(session_id, body.role)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/sessions/{session_id}/together/leave",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="leave_together",
    responses=SESSION_404,
    summary="Leave: your messages are erased everywhere (your whole session) and the shared space closes",
)
def leave(session_id: SessionId, together: TogetherDep) -> Response:
    together.leave(session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
