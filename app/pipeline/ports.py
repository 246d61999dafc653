"""The ports of Softstart's five jobs, in plain Python (no FastAPI, LangChain, SQLAlchemy or Chroma).

An engine is anything that satisfies its job's port: today's rules and templates (the ``rules`` /
``composer`` engine), a chat model behind ``TextModel`` (the ``llm`` engine), trained heads or a
trained writer (the ``model`` engines). The existing result types are kept (``Analysis``,
``RewriteResult``, ``Answer``, ``CoachTurn``, ``SafetyResult``); ``Detection`` is the structured
evidence of a detection, without the prose the analyzer also writes for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


class ModelTimeout(TimeoutError):
    """A model did not answer within the time limit (the loop reports it as a timeout, not an error)."""


# ---------------------------------------------------------------------------------------------- values
@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat-completion request."""

    role: Role
    content: str


@dataclass(frozen=True)
class Span:
    """One harsh spot: ``text[start:end]`` is the evidence for ``kind``."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Detection:
    """What a message does, as evidence: the spans and kinds found, the move, the topic, who speaks,
    and how sure the engine is. Wording for people is produced elsewhere (an explain step)."""

    spans: tuple[Span, ...]
    move: str  # pursue | withdraw | defend | neutral
    topic: str | None = None
    speaker: str | None = None  # none | own_draft | partner_words | sent_text (None: not read)
    confidence: float = 0.0  # harshness 0..1 as the engine judged it
    engine: str = "rules"
    language_supported: bool = True
    flooded: bool = False
    confidently_gentle: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(span.kind for span in self.spans))

    @property
    def harsh(self) -> bool:
        return bool(self.spans)


@dataclass(frozen=True)
class Verdict:
    """A check's answer on one output: passed, or the reasons it failed."""

    passed: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------- ports
@runtime_checkable
class TextModel(Protocol):
    """A chat-completion model: messages in, text out, within ``timeout_s`` (else ``ModelTimeout``)."""

    backend: str
    model: str | None
    timeout_s: float

    def complete(self, messages: Sequence[ChatMessage]) -> str: ...


@runtime_checkable
class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@runtime_checkable
class Retriever(Protocol):
    """Passages for a question, and whether the knowledge base covers it (``Retrieval``)."""

    def retrieve(self, question: str) -> Any: ...


@runtime_checkable
class Detector(Protocol):
    """``detect(text)`` -> ``Detection``; the analyzer's full ``Analysis`` stays available to the rewriter."""

    name: str

    def detect(self, text: str) -> Detection: ...


@runtime_checkable
class Screen(Protocol):
    """The safety screen: a ``SafetyResult`` (``blocks_coaching`` when coaching must stop).
    ``composed``: the text is our own (templates, our composer); only the rules read it."""

    def screen(self, text: str, *, composed: bool = False) -> Any: ...


@runtime_checkable
class Rewriter(Protocol):
    """A message before it is sent -> a ``RewriteResult`` (soft start-up, break script, reply, unchanged)."""

    def rewrite(self, message: str, *, partner_message: str | None = None, sender_role: str = "unknown") -> Any: ...


@runtime_checkable
class Answerer(Protocol):
    """A question -> an ``Answer`` from the knowledge base, with its sources."""

    def answer(self, question: str) -> Any: ...


@runtime_checkable
class Replier(Protocol):
    """One chat turn: the user's message and the conversation so far -> a ``CoachTurn``."""

    def reply(self, message: str, *, state: Any, memory: Any, seed: str) -> Any: ...
