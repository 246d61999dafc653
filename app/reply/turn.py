"""What one chat turn produces: plain data, no framework types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from app.reply.state import ConversationState
from app.detect.types import Analysis, EngineInfo, RewriteResult
from app.screen.types import SafetyResult


@dataclass(frozen=True)
class TurnSource:
    """A cited passage: from the knowledge base (an answer) or the article a technique comes from."""

    kind: Literal["answer", "technique"]
    title: str
    source: str
    passage: str
    score: float | None  # similarity to the question for answers; None for a technique's article
    section: str = ""
    source_id: str = ""
    technique: str | None = None  # the technique id, for kind "technique"


@dataclass(frozen=True)
class CoachTurn:
    reply: str
    state: ConversationState  # after this turn
    summary: str  # the running summary after this turn
    intent: str  # share | question | draft | revision | partner_words | sent_text | correction | off_topic | meta | safety | safety_hold | check_in | clarify
    safety: SafetyResult
    engine: EngineInfo
    analysis: Analysis | None = None  # of the draft on draft turns, else of the message; None when stopped
    analysis_subject: Literal["message", "draft"] | None = None
    rewrite: RewriteResult | None = None
    sources: list[TurnSource] = field(default_factory=list)
    technique: str | None = None
    script: str | None = None  # a break script offered this turn, words the user could say
    composition: list[str] = field(default_factory=list)  # what the reply does, in order: reflect, move, ...
    remembered_messages: int = 0  # earlier messages the turn drew on verbatim
    context_chars: int = 0  # size of the summary + remembered messages this turn drew on
    offered: str | None = None  # the text offered to send this turn (a draft, a revision, a reply to the partner)

    def meta(self) -> dict[str, Any]:
        """What is stored with the coach's message: what the page shows with it (the suggested message, source
        links) and how it was made. No user text; the suggestion is coach text, deleted with the session."""
        return {
            "intent": self.intent,
            "technique": self.technique,
            "composition": list(self.composition),
            "sources": [
                {"kind": s.kind, "title": s.title, "source_id": s.source_id, "section": s.section, "source": s.source}
                for s in self.sources
            ],
            # the suggested message shown under the reply, so it comes back with the history
            "suggestion": (
                {"text": self.rewrite.rewrite, "unchanged": self.rewrite.unchanged} if self.rewrite is not None else None
            ),
            "flooded": self.state.flooded,
            "safety": {"level": self.safety.level, "kind": self.safety.kind},
            "engine": {
                "backend": self.engine.backend,
                "model": self.engine.model,
                "fallback": self.engine.fallback,
                "reason": self.engine.reason,
            },
            "context_chars": self.context_chars,
            "offered": self.offered,
        }
