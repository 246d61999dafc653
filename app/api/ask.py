"""POST /v1/ask: questions about the dynamic, answered from the knowledge base with citations."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.api.schemas import EngineOut, ErrorOut, SafetyOut, SourceOut, engine_out, safety_out, user_text
from app.backends.vector_index import IndexUnavailable
from app.pipeline.answer_job import AnswerUnavailable

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["ask"])

MAX_QUESTION_CHARS = 2000
Question = user_text(MAX_QUESTION_CHARS, "A question about the pursuer–distancer dynamic.", "Why does my partner shut down when I bring up a problem?")


class AskRequest(BaseModel):
    question: Question


class AskResponse(BaseModel):
    answer: str
    sources: list[SourceOut] = Field(description="Cited articles, one card each; [1] in the answer is sources[0].")
    grounded: bool = Field(description="False when the knowledge base does not cover the question (no sources).")
    engine: EngineOut
    safety: SafetyOut
    form: str = Field("other", description="The question's form, which shaped the answer.", examples=["why", "how_long", "what_is"])


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}},
    summary="Ask a question; the answer cites the knowledge base or says it does not cover it",
)
def ask(body: AskRequest, services: ServicesDep) -> AskResponse:
    try:
        screened = services.answer_job.answer(body.question)
    except AnswerUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the knowledge index is not ready: {exc}") from exc
    except IndexUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the knowledge index is not readable: {exc}") from exc
    if screened.blocked:
        return AskResponse(
            answer=screened.safety.message,
            sources=[],
            grounded=False,
            engine=EngineOut(backend="none", model=None, fallback=False, reason="safety screen"),
            safety=safety_out(screened.safety),
        )
    result = screened.result
    return AskResponse(
        answer=result.answer,
        sources=[
            SourceOut(title=p.title, source=p.source, passage=p.text, excerpt=p.excerpt, score=p.score, section=p.section, source_id=p.source_id)
            for p in result.sources
        ],
        grounded=result.grounded,
        engine=engine_out(result.engine),
        safety=safety_out(screened.safety),
        form=result.form.value,
    )
