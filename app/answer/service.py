"""The ask feature: retrieve (hybrid), write (LLM or composer), check, fall back."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from app.answer.composer import AnswerComposer, Composition
from app.answer.forms import QuestionForm, classify
from app.answer.grounding import check_grounded
from app.detect.types import EngineInfo
from app.knowledge.hybrid import HybridRetriever, Retrieval
from app.backends.vector_index import Passage
from app.prompts import PromptLibrary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    sources: list[Passage]  # one per article, in citation order: [1] is sources[0]
    grounded: bool
    engine: EngineInfo
    form: QuestionForm = QuestionForm.OTHER


class Answerer:
    def __init__(
        self,
        retriever: HybridRetriever,
        composer: AnswerComposer,
        prompts: PromptLibrary,
        *,
        llm: BaseChatModel | None = None,
        llm_name: str = "none",
        llm_model: str | None = None,
    ):
        self.retriever = retriever
        self.composer = composer
        self.prompts = prompts
        self.llm = llm
        self.llm_name = llm_name
        self.llm_model = llm_model

    @property
    def index(self):
        return self.retriever.index

    def answer(self, question: str) -> Answer:
        return self.answer_from(question, self.retriever.retrieve(question))

    def answer_from(self, question: str, found: Retrieval) -> Answer:
        """The answer for retrieved passages (cross-validation calls this with its own retrievals)."""
        if not found.relevant or not found.passages:
            return Answer(question, self.composer.not_covered(question), [], False, self._engine(False, None), classify(question))
        composed = self.composer.compose(question, found.passages, found.candidates.vector)
        if self.llm is None:
            return self._composed(question, composed, None)
        try:
            draft = self._draft(question, composed)
        except Exception as exc:  # any backend failure falls back to our own composer
            log.warning("LLM answer failed (%s); using the composed answer", type(exc).__name__)
            return self._composed(question, composed, f"backend error: {type(exc).__name__}")
        check = check_grounded(draft, question, composed.sources)
        if not check.passed:
            log.info("LLM answer rejected: %s", "; ".join(check.reasons))
            return self._composed(question, composed, "; ".join(check.reasons))
        return Answer(question, draft, composed.sources, True, self._engine(False, None), composed.form)

    def _composed(self, question: str, composed: Composition, fallback_reason: str | None) -> Answer:
        engine = self._engine(fallback_reason is not None, fallback_reason)
        return Answer(question, composed.text, composed.sources, True, engine, composed.form)

    def _draft(self, question: str, composed: Composition) -> str:
        numbered = "\n\n".join(f"[{n}] {p.title}: {p.text}" for n, p in enumerate(composed.sources, start=1))
        messages = [
            SystemMessage(content=self.prompts.get("ask_system")),
            HumanMessage(
                content=self.prompts.render(
                    "ask_user",
                    passages=numbered,
                    question=question.replace('"', "'"),
                    shape=self.prompts.get(f"answer_form_{composed.form.value}"),
                )
            ),
        ]
        return str(self.llm.invoke(messages).content).strip()

    def _engine(self, fallback: bool, reason: str | None) -> EngineInfo:
        return EngineInfo(backend=self.llm_name, model=self.llm_model if self.llm else None, fallback=fallback, reason=reason)
