"""The ask feature: retrieve (hybrid), write (LLM or composer), check, fall back."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from app.answer.composer import AnswerComposer, Composition
from app.answer.forms import QuestionForm, classify
from app.answer.grounding import check_grounded
from app.detect.types import EngineInfo
from app.knowledge.hybrid import HybridRetriever, Retrieval
from app.backends.vector_index import Passage
from app.backends.llm.text_model import LangChainTextModel
from app.pipeline.loop import Engine, Outcome, first_passing
from app.pipeline.ports import ChatMessage, Screen, Verdict
from app.pipeline.screening import OutputScreen
from app.prompts import PromptLibrary
from app.settings import DEFAULT_LLM_TIMEOUT_S

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
    """Retrieval, then the configured engines in order (``llm``: the chat model, whose answer must be grounded
    and pass the safety screen; ``composer``: ours, the last resort)."""

    def __init__(
        self,
        retriever: HybridRetriever,
        composer: AnswerComposer,
        prompts: PromptLibrary,
        *,
        llm: BaseChatModel | None = None,
        llm_name: str = "none",
        llm_model: str | None = None,
        llm_timeout_s: float = DEFAULT_LLM_TIMEOUT_S,
        screen: Screen | None = None,
        engines: Sequence[str] = ("llm", "composer"),
    ):
        self.retriever = retriever
        self.composer = composer
        self.prompts = prompts
        self.llm = llm
        self.llm_name = llm_name
        self.llm_model = llm_model
        self.llm_timeout_s = llm_timeout_s
        self.output_screen = OutputScreen(screen) if screen is not None else None
        self.engines = list(engines)

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
        engines: list[Engine[str]] = []
        for name in self.engines:
            match name:
                case "llm":
                    if self.llm is not None:
                        engines.append(Engine("llm", lambda: self._draft(question, composed)))
                case "composer":
                    break
                case other:
                    raise ValueError(f"answer engine {other!r} is not supported. Available: llm, composer")
        outcome = first_passing(
            engines, lambda engine, draft: self._check(question, composed, draft), job="answer",
            last_resort=Engine("composer", lambda: composed.text),
            last_resort_check=lambda engine, text: Verdict(True),
        )
        engine = self._engine(outcome.fallback, outcome.reason, outcome)
        return Answer(question, outcome.value, composed.sources, True, engine, composed.form)

    def _check(self, question: str, composed: Composition, draft: str) -> Verdict:
        grounded = check_grounded(draft, question, composed.sources)
        flagged = self.output_screen.reasons(draft) if self.output_screen is not None else []
        reasons = (*grounded.reasons, *flagged)
        return Verdict(grounded.passed and not flagged, tuple(reasons))

    def _draft(self, question: str, composed: Composition) -> str:
        numbered = "\n\n".join(f"[{n}] {p.title}: {p.text}" for n, p in enumerate(composed.sources, start=1))
        messages = [
            ChatMessage("system", self.prompts.get("ask_system")),
            ChatMessage(
                "user",
                self.prompts.render(
                    "ask_user",
                    passages=numbered,
                    question=question.replace('"', "'"),
                    shape=self.prompts.get(f"answer_form_{composed.form.value}"),
                ),
            ),
        ]
        model = LangChainTextModel(self.llm, backend=self.llm_name, model=self.llm_model, timeout_s=self.llm_timeout_s)
        return model.complete(messages).strip()

    def _engine(self, fallback: bool, reason: str | None, outcome: Outcome | None = None) -> EngineInfo:
        return EngineInfo(backend=self.llm_name, model=self.llm_model if self.llm else None, fallback=fallback, reason=reason,
                          engine=outcome.engine if outcome else None, attempts=outcome.attempts if outcome else ())
