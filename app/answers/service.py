"""The ask feature: retrieve, write (LLM or composer), check, fall back."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from app.answers.composer import AnswerComposer
from app.answers.grounding import check_grounded
from app.coach.types import EngineInfo
from app.knowledge.index import KnowledgeIndex, Passage
from app.prompts import PromptLibrary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    sources: list[Passage]  # in citation order: [1] is sources[0]
    grounded: bool
    engine: EngineInfo


class Answerer:
    def __init__(
        self,
        index: KnowledgeIndex,
        prompts: PromptLibrary,
        *,
        llm: BaseChatModel | None = None,
        llm_name: str = "none",
        llm_model: str | None = None,
        k: int = 4,
        relevance_threshold: float = 0.3,
    ):
        self.index = index
        self.prompts = prompts
        self.composer = AnswerComposer(prompts)
        self.llm = llm
        self.llm_name = llm_name
        self.llm_model = llm_model
        self.k = k
        self.relevance_threshold = relevance_threshold

    def relevant_passages(self, question: str) -> list[Passage]:
        return [p for p in self.index.search(question, k=self.k) if p.score >= self.relevance_threshold]

    def answer(self, question: str) -> Answer:
        passages = self.relevant_passages(question)
        if not passages:
            return Answer(question, self.composer.not_covered(question), [], False, self._engine(False, None))
        composed, cited = self.composer.grounded(question, passages)
        if self.llm is None:
            return Answer(question, composed, cited, True, self._engine(False, None))
        try:
            draft = self._draft(question, cited)
        except Exception as exc:  # any backend failure falls back to our own composer
            log.warning("LLM answer failed (%s); using the composed answer", type(exc).__name__)
            return Answer(question, composed, cited, True, self._engine(True, f"backend error: {type(exc).__name__}"))
        check = check_grounded(draft, question, cited)
        if not check.passed:
            log.info("LLM answer rejected: %s", "; ".join(check.reasons))
            return Answer(question, composed, cited, True, self._engine(True, "; ".join(check.reasons)))
        return Answer(question, draft, cited, True, self._engine(False, None))

    def _draft(self, question: str, passages: list[Passage]) -> str:
        numbered = "\n\n".join(
            f"[{n}] {p.title} ({p.source}): {' '.join(p.text.split())}" for n, p in enumerate(passages, start=1)
        )
        messages = [
            SystemMessage(content=self.prompts.get("ask_system")),
            HumanMessage(content=self.prompts.render("ask_user", passages=numbered, question=question.replace('"', "'"))),
        ]
        return str(self.llm.invoke(messages).content).strip()

    def _engine(self, fallback: bool, reason: str | None) -> EngineInfo:
        return EngineInfo(backend=self.llm_name, model=self.llm_model if self.llm else None, fallback=fallback, reason=reason)


