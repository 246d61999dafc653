"""The rewrite job as a service: the safety screen first (the message, then the partner's words), then the
rewriter's engines. Model-written rewrites are screened inside the rewriter's loop, so a flagged draft
falls back to the composer.

Our composer's rewrite is not screened again: it re-frames the sender's own words, which this stage has
just cleared, in first person ("When what is suicide, I felt hurt"), and the rules then read a cleared
look-alike such as "What is suicide?" as a disclosure (tests/api/test_safety_through_the_api.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.pipeline.ports import Rewriter, Screen
from app.pipeline.screening import screen_inputs


@dataclass(frozen=True)
class ScreenedRewrite:
    """``result`` is None when the screen stopped coaching (``safety`` then says why and where to get help)."""

    safety: Any  # SafetyResult
    result: Any | None  # RewriteResult

    @property
    def blocked(self) -> bool:
        return self.result is None


class RewriteJob:
    def __init__(self, *, screen: Screen, rewriter: Rewriter):
        self.screen = screen
        self.rewriter = rewriter

    def rewrite(self, message: str, *, partner_message: str | None = None, sender_role: str = "unknown") -> ScreenedRewrite:
        screened = screen_inputs(self.screen, message, partner_message)
        if screened.blocks_coaching:
            return ScreenedRewrite(screened, None)
        result = self.rewriter.rewrite(message, partner_message=partner_message, sender_role=sender_role)
        return ScreenedRewrite(screened, result)
