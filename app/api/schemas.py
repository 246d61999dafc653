"""The API's one schema module: request/response pieces shared by several endpoints.

One family of each: ``FlagOut``, ``ChangeOut``, ``AlternativeOut``, ``SourceOut``, ``EngineOut``, ``SafetyOut``;
the routers (rewrite, ask, sessions) import them from here, so a field added to one shows everywhere."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")  # "\ud83d" escapes that are half an emoji: not text


def _clean_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if _LONE_SURROGATE.search(value):
        raise ValueError("must be valid Unicode text (it contains half of a surrogate pair)")
    return value.strip()


def user_text(max_chars: int, description: str, example: str):
    """A non-empty, trimmed string without control characters, at most ``max_chars`` long."""
    return Annotated[
        str,
        Field(min_length=1, max_length=max_chars, description=description, examples=[example]),
        AfterValidator(_clean_text),
    ]


class AttemptOut(BaseModel):
    engine: str = Field(examples=["llm"])
    status: Literal["passed", "used_anyway", "failed_check", "error", "timeout", "no_output"] = Field(
        description="passed; used_anyway (the last resort, used although a check failed); failed_check, error, "
        "timeout or no_output (rejected: the next engine answered).")
    reasons: list[str] = Field(default_factory=list)
    seconds: float = Field(ge=0)


class EngineOut(BaseModel):
    backend: str = Field(examples=["none"], description="Which engine wrote the text: none (our composer), openai, llamacpp, fake.")
    model: str | None = Field(None, examples=[None])
    fallback: bool = Field(False, description="True when an engine before the one used (the trained writer, an LLM) was tried and rejected.")
    reason: str | None = Field(None, description="Why each engine before the one used was rejected: an error, a timeout, or the checks it failed (the safety screen among them).")
    detect: str = Field("rules", description="Which engine judged harshness and the move: model (trained heads) or rules.")
    detect_reason: str | None = Field(None, description="Why the model engine was not used when the settings prefer it (e.g. a missing head).")
    engine: str | None = Field(None, description="Which engine of the job wrote the text: model, llm or composer (null: no engine ran).", examples=["composer"])
    attempts: list[AttemptOut] = Field(default_factory=list, description="Every engine tried, in order: what happened and how long it took.")


class FlagOut(BaseModel):
    kind: str = Field(examples=["absolute"])
    span: tuple[int, int] = Field(description="Character offsets into the original message: original[start:end] == text.", examples=[(4, 9)])
    text: str = Field(examples=["never"])
    why: str = Field(examples=["Words like 'never' turn one disappointment into a verdict on your partner."])
    antidote: str = Field(examples=["Describe this one time: 'I didn't hear from you tonight.'"])


class AlternativeOut(BaseModel):
    tone: str = Field(examples=["brief"])
    text: str


class ChangeOut(BaseModel):
    flag_kind: str = Field(examples=["criticism"])
    before: str = Field(examples=["You never text me back"])
    after: str = Field(examples=["I feel anxious when I don't hear from you"])
    why: str


class SourceOut(BaseModel):
    kind: Literal["answer", "technique"] = Field(
        "answer", description="A passage answering a question, or the article a technique comes from."
    )
    title: str = Field(examples=["For the distancer: why I shut down"])
    source: str = Field(examples=["Tracy Askilsrud, a couples therapist's blog"])
    passage: str = Field(description="The retrieved passage the answer draws on, as plain text.")
    excerpt: str = Field("", description="The sentences of the passage the answer quotes or condenses, as plain text.")
    score: float | None = Field(None, description="Cosine similarity of the passage to the question (-1..1); null for a technique's article.", examples=[0.62])
    section: str = Field("", examples=["Why a distancer goes quiet"])
    source_id: str = Field("", description="Which article file the passage comes from.", examples=["knowledge/for-the-distancer-why-i-shut-down.md"])
    technique: str | None = Field(None, description="The technique the article backs (chat turns only).", examples=["time_out"])


def flag_out(flag) -> FlagOut:
    return FlagOut(kind=flag.kind, span=flag.span, text=flag.text, why=flag.why, antidote=flag.antidote)


def alternative_out(alternative) -> AlternativeOut:
    return AlternativeOut(tone=alternative.tone, text=alternative.text)


def change_out(change) -> ChangeOut:
    return ChangeOut(flag_kind=change.flag_kind, before=change.before, after=change.after, why=change.why)


class ResourceOut(BaseModel):
    name: str = Field(examples=["988 Suicide & Crisis Lifeline"])
    contact: str = Field(examples=["Call or text 988"])
    description: str = Field(examples=["Free, confidential support, 24/7."])
    url: str | None = None


class SafetyOut(BaseModel):
    level: Literal["none", "concern", "crisis"] = Field(examples=["none"])
    kind: str | None = Field(None, examples=[None], description="self_harm, abuse, coercion, threat, harm_to_partner, control_request, partner_suicide_threat")
    direction: Literal["none", "self", "victim", "perpetrator", "partner"] = Field(
        "none", description="Who is in danger from whom: self, victim (the sender is harmed), perpetrator (the sender "
        "threatens or controls), partner (the partner threatens suicide).")
    engines: list[str] = Field(default_factory=list, description="Which engines found it: rules, model, rules:<lang>.")
    language: str = Field("en", description="The language the message was read as.")
    resources: list[ResourceOut] = Field(default_factory=list)
    message: str = Field("", description="The caring reply shown instead of coaching when the screen fires.")


class ErrorOut(BaseModel):
    detail: str | list = Field(examples=["question: must not be empty or only whitespace"])


# Answers any route can give, documented on every route (a route's own entries take precedence).
COMMON_RESPONSES: dict[int | str, dict] = {
    400: {"model": ErrorOut, "description": "The body could not be parsed (not JSON, or not valid UTF-8)."},
    413: {"model": ErrorOut, "description": "The body is larger than the limit."},
    429: {"model": ErrorOut, "description": "Too many requests from this client; see the Retry-After header."},
    503: {"model": ErrorOut, "description": "The service is still starting."},
}


def safety_out(result) -> SafetyOut:
    """From the safety screen's ``SafetyResult``."""
    return SafetyOut(
        level=result.level,
        kind=result.kind,
        direction=result.direction,
        engines=list(result.engines),
        language=result.language,
        resources=[ResourceOut(name=r.name, contact=r.contact, description=r.description, url=r.url) for r in result.resources],
        message=result.message,
    )


def engine_out(engine) -> EngineOut:
    return EngineOut(
        backend=engine.backend, model=engine.model, fallback=engine.fallback, reason=engine.reason,
        detect=getattr(engine, "detect", "rules"), detect_reason=getattr(engine, "detect_reason", None),
        engine=getattr(engine, "engine", None),
        attempts=[AttemptOut(engine=a.engine, status=a.status, reasons=list(a.reasons), seconds=round(a.seconds, 4))
                  for a in getattr(engine, "attempts", ())],
    )
