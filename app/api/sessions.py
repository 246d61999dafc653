"""Chat sessions over HTTP: create, post a message (JSON or server-sent events), history, delete.

Every call after ``POST /v1/sessions`` needs the session's token as ``Authorization: Bearer
<token>``. An unknown session, a missing or wrong token all answer 404, so a caller learns
nothing about sessions that are not theirs. The coaching itself happens in
``app.reply`` (``Conversations`` and ``ChatCoach``); this module only speaks HTTP.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Annotated, Iterator, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.api.schemas import (
    AlternativeOut, ChangeOut, EngineOut, ErrorOut, FlagOut, SafetyOut, SourceOut, alternative_out, change_out, engine_out,
    flag_out, safety_out, user_text,
)
from app.reply.chunks import reply_chunks
from app.sessions.conversation import Conversations, Exchange, ReplyFailed
from app.sessions.store.repository import SessionNotFound, StoredMessage

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/sessions", tags=["sessions"])

MAX_MESSAGE_CHARS = 4000
EVENT_STREAM = "text/event-stream"
NOT_FOUND = "session not found"

MessageText = user_text(
    MAX_MESSAGE_CHARS,
    f"What the user says to the coach (at most {MAX_MESSAGE_CHARS} characters).",
    "He hasn't answered my texts all evening and I keep sending more. I feel like I'm losing him.",
)
bearer = HTTPBearer(auto_error=False, description="The token returned by POST /v1/sessions.")


# ---------------------------------------------------------------------- schemas
class SessionCreated(BaseModel):
    id: str = Field(examples=["6f1c2a9e-3b7d-4c1e-9a55-0d2b7f4e8c11"])
    token: str = Field(description="Shown once; send it as `Authorization: Bearer <token>`.", examples=["kq3V…"])


class MessageIn(BaseModel):
    text: MessageText


class SuggestionOut(BaseModel):
    text: str = Field(description="A message the user could send their partner, offered with the reply.")
    unchanged: bool = Field(False, description="True when the user's own draft already read gently.")


class SourceLinkOut(BaseModel):
    title: str = Field(examples=["The 20-minute break"])
    source_id: str = Field(examples=["knowledge/the-20-minute-break.md"])
    section: str = ""
    source: str = ""


class ExtrasOut(BaseModel):
    """What is shown with a coach's reply besides its text, kept with the message."""

    suggestion: SuggestionOut | None = None
    sources: list[SourceLinkOut] = Field(default_factory=list)
    flooded: bool = Field(False, description="The user sounded flooded at this turn (the page offers a breathing pause).")


class MessageOut(BaseModel):
    seq: int = Field(examples=[1], description="1, 2, 3… within the session.")
    role: Literal["user", "coach"] = Field(examples=["user"])
    text: str = Field(examples=["He hasn't answered my texts all evening."])
    created_at: datetime
    extras: ExtrasOut | None = Field(None, description="Coach messages only: the suggested text and source links shown with the reply.")


class HistoryOut(BaseModel):
    session_id: str
    messages: list[MessageOut]


class StateOut(BaseModel):
    role: Literal["pursuer", "distancer", "unknown"] = Field(examples=["pursuer"], description="The user's likely role in the cycle.")
    role_evidence: list[str] = Field(examples=[['turn 1: you said "I keep texting" (you keep reaching out (texting, calling, asking again))']])
    escalation: float = Field(ge=0, le=1, examples=[0.62], description="How heated the user sounds, smoothed over turns.")
    escalation_trend: Literal["rising", "falling", "steady"] = Field(examples=["rising"])
    flooded: bool = Field(examples=[False])
    wants: list[str] = Field(examples=[["connection", "to be heard"]], description="Most recent first.")
    turn: int = Field(examples=[3])
    techniques_offered: list[str] = Field(examples=[["self_check", "time_out"]], description="Technique ids, oldest first.")
    partner_name: str | None = Field(None, examples=["Dan"], description="The partner's name, once the user has said it.")
    feelings: list[str] = Field(default_factory=list, examples=[["scared"]], description="The user's own feeling words, most recent first; corrections win.")
    tried: list[str] = Field(default_factory=list, examples=[["breathing"]], description="What the user already tried.")
    safety_mode: bool = Field(False, description="Stays on after a disclosure of abuse, threats or self-harm.")


class MemoryOut(BaseModel):
    summary: str = Field(description="The coach's running summary of the conversation (written by our code).")
    remembered_messages: int = Field(examples=[6], description="Earlier messages this turn drew on word for word.")
    context_chars: int = Field(examples=[2400], description="Size of the summary plus remembered messages (bounded).")


class AnalysisOut(BaseModel):
    subject: Literal["message", "draft"] = Field(description="What was analysed: the user's message or the draft inside it.")
    flags: list[FlagOut]
    move: Literal["pursue", "withdraw", "defend", "neutral"]
    move_evidence: list[str]
    harshness: float = Field(ge=0, le=1)
    pattern: str
    flooded: bool
    topic: str | None = None
    need: str | None = None


class RewriteOut(BaseModel):
    original: str = Field(description="The draft found in the user's message.")
    rewrite: str = Field(description="A soft start-up, or a break script with a time to come back.")
    alternatives: list[AlternativeOut]
    unchanged: bool = Field(description="True when the draft already reads gently.")
    note: str
    explanation: list[ChangeOut]
    engine: EngineOut


class TurnOut(BaseModel):
    session_id: str
    user_message: MessageOut
    reply: MessageOut
    intent: Literal[
        "share", "draft", "revision", "question", "partner_words", "sent_text", "correction", "off_topic", "meta",
        "safety", "safety_hold", "check_in",
    ] = Field(
        description="How the coach read the message: sharing, a draft or revision request, a question, the partner's words, "
        "a text already sent, a correction, off-topic, about the coach, stopped by the safety screen, or held in safety mode."
    )
    offered: str | None = Field(None, description="A text offered to send this turn: a draft, a revision or a reply to the partner.")
    technique: str | None = Field(None, description="The technique offered this turn (id).")
    script: str | None = Field(None, description="A break script the user could say, when the coach suggests a break.")
    composition: list[str] = Field(
        examples=[["reflect", "move", "partner_view", "step"]],
        description="What the reply does, in order (reflect, move, partner_view, step, script, rewrite, answer, check_in, ...).",
    )
    state: StateOut
    memory: MemoryOut
    analysis: AnalysisOut | None = Field(None, description="null when the safety screen stopped the turn.")
    rewrite: RewriteOut | None = Field(None, description="Only when the message contained a draft for the partner.")
    sources: list[SourceOut]
    safety: SafetyOut
    engine: EngineOut


# ---------------------------------------------------------------------- dependencies
def get_conversations(services: ServicesDep) -> Conversations:
    return services.conversations


ConversationsDep = Annotated[Conversations, Depends(get_conversations)]


def authorized_session(
    conversations: ConversationsDep,
    session_id: Annotated[str, Path(description="The id from POST /v1/sessions.")],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    token = credentials.credentials if credentials is not None else None
    if not conversations.authenticate(session_id, token):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return session_id


SessionId = Annotated[str, Depends(authorized_session)]


# ---------------------------------------------------------------------- conversion
def extras_out(meta: dict) -> ExtrasOut:
    suggestion = meta.get("suggestion")
    return ExtrasOut(
        suggestion=SuggestionOut(text=suggestion["text"], unchanged=bool(suggestion.get("unchanged")))
        if isinstance(suggestion, dict) and suggestion.get("text")
        else None,
        sources=[
            SourceLinkOut(
                title=str(s.get("title", "")),
                source_id=str(s.get("source_id", "")),
                section=str(s.get("section") or ""),
                source=str(s.get("source") or ""),
            )
            for s in meta.get("sources") or []
            if isinstance(s, dict) and s.get("source_id")
        ],
        flooded=bool(meta.get("flooded")),
    )


def message_out(message: StoredMessage) -> MessageOut:
    extras = extras_out(message.meta or {}) if message.role == "coach" else None
    return MessageOut(seq=message.seq, role=message.role, text=message.text, created_at=message.created_at, extras=extras)


def turn_out(exchange: Exchange) -> TurnOut:
    turn = exchange.turn
    state = turn.state
    analysis = None
    if turn.analysis is not None:
        a = turn.analysis
        analysis = AnalysisOut(
            subject=turn.analysis_subject or "message",
            flags=[flag_out(f) for f in a.flags],
            move=a.move,
            move_evidence=list(a.move_evidence),
            harshness=a.harshness,
            pattern=a.pattern,
            flooded=a.flooded,
            topic=a.topic,
            need=a.need,
        )
    rewrite = None
    if turn.rewrite is not None:
        r = turn.rewrite
        rewrite = RewriteOut(
            original=r.original,
            rewrite=r.rewrite,
            alternatives=[alternative_out(alt) for alt in r.alternatives],
            unchanged=r.unchanged,
            note=r.note,
            explanation=[change_out(c) for c in r.explanation],
            engine=engine_out(r.engine),
        )
    return TurnOut(
        session_id=exchange.session_id,
        user_message=message_out(exchange.user_message),
        reply=message_out(exchange.reply),
        intent=turn.intent,
        offered=turn.offered,
        technique=turn.technique,
        script=turn.script,
        composition=list(turn.composition),
        state=StateOut(
            role=state.role,
            role_evidence=list(state.role_evidence),
            escalation=state.escalation,
            escalation_trend=state.escalation_trend,
            flooded=state.flooded,
            wants=list(state.wants),
            turn=state.turn,
            techniques_offered=[entry["id"] for entry in state.techniques],
            partner_name=state.partner_name,
            feelings=list(state.feelings),
            tried=list(state.tried),
            safety_mode=state.safety_mode,
        ),
        memory=MemoryOut(
            summary=turn.summary, remembered_messages=turn.remembered_messages, context_chars=turn.context_chars
        ),
        analysis=analysis,
        rewrite=rewrite,
        sources=[
            SourceOut(
                kind=s.kind,
                title=s.title,
                source=s.source,
                passage=s.passage,
                score=s.score,
                section=s.section,
                source_id=s.source_id,
                technique=s.technique,
            )
            for s in turn.sources
        ],
        safety=safety_out(turn.safety),
        engine=engine_out(turn.engine),
    )


def sse_event(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8")


def turn_events(body: TurnOut) -> Iterator[bytes]:
    """``delta`` events whose texts add up to the reply, then ``done`` with the whole turn."""
    for chunk in reply_chunks(body.reply.text):
        yield sse_event("delta", {"text": chunk})
    yield sse_event("done", body.model_dump(mode="json"))


def wants_event_stream(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip().lower() == EVENT_STREAM for part in accept.split(","))


# ---------------------------------------------------------------------- routes
def _session_link(operation_id: str, description: str) -> dict:
    """An OpenAPI link: the id and token of a new session, used by a later call."""
    return {
        "operationId": operation_id,
        "parameters": {"path.session_id": "$response.body#/id", "header.Authorization": "Bearer {$response.body#/token}"},
        "description": description,
    }


# How the calls fit together, for API clients, documentation and schemathesis' stateful tests.
SESSION_LINKS = {
    "PostMessage": _session_link("post_message", "Say something in the new session."),
    "GetHistory": _session_link("get_history", "Read the new session's history."),
    "DeleteSession": _session_link("delete_session", "Erase the new session."),
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionCreated,
    operation_id="create_session",
    responses={201: {"links": SESSION_LINKS}},
    summary="Start a chat session; keep the token, it is needed for every later call",
)
def create_session(conversations: ConversationsDep) -> SessionCreated:
    created = conversations.start()
    return SessionCreated(id=created.id, token=created.token)


@router.post(
    "/{session_id}/messages",
    response_model=TurnOut,
    operation_id="post_message",
    responses={
        200: {
            "description": "The coach's turn as JSON, or with `Accept: text/event-stream` as server-sent events: "
            "`delta` events (`{\"text\": ...}`, sentence or word groups that add up to the reply) and a final "
            "`done` event carrying this same JSON body.",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
        },
        404: {"model": ErrorOut, "description": "Unknown session, or a missing or wrong token."},
        413: {"model": ErrorOut},
        422: {"model": ErrorOut, "description": f"Empty text, or longer than {MAX_MESSAGE_CHARS} characters."},
        503: {"model": ErrorOut, "description": "The coach could not reply; the user's message is stored."},
    },
    summary="Say something to the coach; the reply comes back as JSON or as server-sent events",
)
def post_message(
    body: MessageIn, session_id: SessionId, conversations: ConversationsDep, services: ServicesDep, request: Request
):
    try:
        exchange = conversations.post(session_id, body.text)
    except SessionNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from None
    except ReplyFailed as failed:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the coach could not reply just now; your message was saved (seq {failed.user_message.seq}) "
            "and the session is still open, so please try again",
        ) from None
    services.together.after_private_turn(session_id, exchange.turn.safety)  # safety for two
    turn = turn_out(exchange)
    if wants_event_stream(request):
        return StreamingResponse(
            turn_events(turn),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return turn


@router.get(
    "/{session_id}/messages",
    response_model=HistoryOut,
    operation_id="get_history",
    responses={404: {"model": ErrorOut}},
    summary="The whole conversation, oldest message first",
)
def get_history(session_id: SessionId, conversations: ConversationsDep) -> HistoryOut:
    try:
        messages = conversations.history(session_id)
    except SessionNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from None
    return HistoryOut(session_id=session_id, messages=[message_out(m) for m in messages])


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_session",
    responses={404: {"model": ErrorOut}},
    summary="Erase the session and all its messages for good",
)
def delete_session(session_id: SessionId, conversations: ConversationsDep, services: ServicesDep) -> Response:
    services.together.before_delete(session_id)  # deleting closes the shared space
    conversations.delete(session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
