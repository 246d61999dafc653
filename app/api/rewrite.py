"""POST /v1/rewrite: a message before it is sent, its harsh spots, and a soft start-up or break script."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.api.schemas import (
    AlternativeOut, ChangeOut, EngineOut, ErrorOut, FlagOut, SafetyOut, alternative_out, change_out, engine_out, flag_out,
    safety_out, user_text,
)
from app.detect.types import RewriteResult

router = APIRouter(prefix="/v1", tags=["rewrite"])

MAX_MESSAGE_CHARS = 4000
Message = user_text(MAX_MESSAGE_CHARS, "The message you are about to send to your partner.", "You never text me back. Do you even care about me?")
PartnerMessage = user_text(MAX_MESSAGE_CHARS, "Your partner's last message, if you are answering one (read as data only).", "Why are you so upset again?")


class RewriteRequest(BaseModel):
    message: Message
    context: PartnerMessage | None = None
    sender_role: Literal["pursuer", "distancer", "unknown"] = Field(
        "unknown", description="Your usual role in the cycle, if you know it.", examples=["pursuer"]
    )


class CheckOut(BaseModel):
    passed: bool
    reasons: list[str] = Field(default_factory=list)
    similarity: float | None = Field(None, description="Embedding similarity of a language model's draft to the original (meaning kept); null for our own composed rewrites, which are built from the message's own topic and words.")


class RewriteResponse(BaseModel):
    original: str
    flags: list[FlagOut]
    move: Literal["pursue", "withdraw", "defend", "neutral"]
    move_evidence: list[str]
    harshness: float = Field(ge=0, le=1)
    pattern: str = Field(description="Where this message sits in the pursuer–distancer cycle and what it will likely set off.")
    rewrite: str | None = Field(description="The soft start-up or break script; the original when unchanged; null when the safety screen fired.")
    alternatives: list[AlternativeOut]
    explanation: list[ChangeOut] = Field(description="Each change, mapped to the flag it fixes.")
    unchanged: bool
    note: str
    language_supported: bool
    flooded: bool = Field(False, description="True when the message reads as flooded (shouting, a barrage of lines): the page offers a breathing pause first.")
    check: CheckOut | None
    engine: EngineOut
    safety: SafetyOut
    kind: str = Field("softstart", description="softstart, mixed, defensive, break, reply (a suggested reply to your partner's words), unclear (nothing to build a rewrite from: see the note) or unchanged.")


def to_response(result: RewriteResult, safety: SafetyOut) -> RewriteResponse:
    analysis = result.analysis
    return RewriteResponse(
        original=result.original,
        flags=[flag_out(f) for f in analysis.flags],
        move=analysis.move,
        move_evidence=list(analysis.move_evidence),
        harshness=analysis.harshness,
        pattern=analysis.pattern,
        rewrite=result.rewrite,
        alternatives=[alternative_out(a) for a in result.alternatives],
        explanation=[change_out(c) for c in result.explanation],
        unchanged=result.unchanged,
        note=result.note,
        language_supported=analysis.language_supported,
        flooded=analysis.flooded,
        check=CheckOut(passed=result.check.passed, reasons=list(result.check.reasons), similarity=result.check.similarity),
        engine=engine_out(result.engine),
        safety=safety,
        kind=result.kind,
    )


@router.post(
    "/rewrite",
    response_model=RewriteResponse,
    responses={422: {"model": ErrorOut}, 413: {"model": ErrorOut}},
    summary="Find the harsh spots in a message and rewrite it as a soft start-up (or a break script)",
)
def rewrite(body: RewriteRequest, services: ServicesDep) -> RewriteResponse:
    screened = services.rewrite_job.rewrite(body.message, partner_message=body.context, sender_role=body.sender_role)
    if screened.blocked:
        return RewriteResponse(
            original=body.message, flags=[], move="neutral", move_evidence=[], harshness=0.0, pattern="",
            rewrite=None, alternatives=[], explanation=[], unchanged=True, note=screened.safety.message,
            language_supported=True, check=None,
            engine=EngineOut(backend="none", model=None, fallback=False, reason="safety screen", detect=services.models_status.detect if services.models_status else "rules"),
            safety=safety_out(screened.safety),
        )
    return to_response(screened.result, safety_out(screened.safety))
