"""The answer job as a service: the safety screen first, then the answerer's engines (a model-written
answer is screened inside the answerer's loop). Works before the index is ready: the question is still
screened, and only then does the caller hear that there is no answerer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.pipeline.ports import Answerer, Screen
from app.pipeline.screening import screen_inputs


class AnswerUnavailable(RuntimeError):
    """The knowledge index is not ready, so there is no answerer."""


@dataclass(frozen=True)
class ScreenedAnswer:
    """``result`` is None when the screen stopped coaching."""

    safety: Any  # SafetyResult
    result: Any | None  # Answer

    @property
    def blocked(self) -> bool:
        return self.result is None


class AnswerJob:
    def __init__(self, *, screen: Screen, answerer: Answerer | None, unavailable: str = "the knowledge index is not ready"):
        self.screen = screen
        self.answerer = answerer
        self.unavailable = unavailable

    def answer(self, question: str) -> ScreenedAnswer:
        screened = screen_inputs(self.screen, question)
        if screened.blocks_coaching:
            return ScreenedAnswer(screened, None)
        if self.answerer is None:
            raise AnswerUnavailable(self.unavailable)
        return ScreenedAnswer(screened, self.answerer.answer(question))
