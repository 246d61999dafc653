"""Plain data the coaching core passes around. No framework imports here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FlagKind = Literal[
    "criticism",
    "absolute",
    "contempt",
    "defensiveness",
    "stonewalling",
    "demand",
    "protest",
    "flooding",
]
Move = Literal["pursue", "withdraw", "defend", "neutral"]
Role = Literal["pursuer", "distancer", "unknown"]


@dataclass(frozen=True)
class Flag:
    """One harsh spot in a message: ``message[span[0]:span[1]] == text``."""

    kind: FlagKind
    span: tuple[int, int]
    text: str
    why: str
    antidote: str


@dataclass(frozen=True)
class AnalysisContext:
    partner_message: str | None = None
    sender_role: Role = "unknown"


@dataclass(frozen=True)
class Analysis:
    message: str
    flags: list[Flag]
    move: Move
    move_evidence: list[str]
    harshness: float  # 0 (gentle) .. 1 (very harsh)
    pattern: str  # plain-language: where this sits in the cycle and what it will likely set off
    language_supported: bool = True
    flooded: bool = False
    topic: str | None = None  # e.g. "texting", "phone_at_dinner", "chores" (lexicon key) when recognised
    need: str | None = None  # e.g. "hearing from you" when recognised
    engine: str = "rules"  # which detect engine judged harshness and the move: "model" or "rules"
    engine_reason: str | None = None  # why a preferred engine was not used (e.g. the heads are missing)
    confidently_gentle: bool = False  # only then may the coach say the message already reads well

    @property
    def needs_rewrite(self) -> bool:
        return self.language_supported and bool(self.flags)


@dataclass(frozen=True)
class Change:
    """One change the rewrite made, tied to the flag it fixes."""

    flag_kind: FlagKind
    before: str
    after: str
    why: str


@dataclass(frozen=True)
class RewriteCheck:
    passed: bool
    reasons: list[str] = field(default_factory=list)  # why a draft failed, empty when passed
    similarity: float | None = None  # embedding similarity to the original


@dataclass(frozen=True)
class Alternative:
    tone: Literal["brief", "name_the_pattern", "warm", "break"]
    text: str


@dataclass(frozen=True)
class EngineInfo:
    backend: str  # "none", "openai", "llamacpp", "fake"
    model: str | None
    fallback: bool  # True when the LLM was asked but our composer's text was used
    reason: str | None = None
    detect: str = "rules"  # the engine that judged the message: "model" or "rules"
    detect_reason: str | None = None  # why the model engine was not used, when it was preferred
    # which engine of the job's loop wrote the text ("model", "llm", "composer"), and every engine's try
    # (``app.pipeline.loop.Attempt``); not part of equality, so results compare as before
    engine: str | None = field(default=None, compare=False)
    attempts: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class RewriteResult:
    original: str
    analysis: Analysis
    rewrite: str  # equals original when unchanged
    alternatives: list[Alternative]
    explanation: list[Change]
    unchanged: bool
    note: str  # e.g. "This already reads well." or what the rewrite does
    check: RewriteCheck
    engine: EngineInfo
    kind: str = "softstart"  # softstart | mixed | defensive | break | reply | unclear | unchanged
