"""Safety as a stage of every job: the screen reads the input before any engine, and every
model-written output before anyone sees it (our own composed text is read by the rules only)."""

from __future__ import annotations

from dataclasses import dataclass

from app.pipeline.ports import Screen


def screen_inputs(screen: Screen, *texts: str | None):
    """The verdict on the inputs, read in order: the first one that stops coaching, else the last one read."""
    verdict = None
    for text in texts:
        if text is None or (verdict is not None and not text.strip()):
            continue
        verdict = screen.screen(text)
        if verdict.blocks_coaching:
            break
    return verdict


@dataclass(frozen=True)
class OutputScreen:
    """Checks an engine's output with the safety screen; ``composed`` outputs get the rules only."""

    screen: Screen

    def reasons(self, text: str, *, composed: bool = False) -> list[str]:
        verdict = self.screen.screen(text, composed=composed)
        if not verdict.blocks_coaching:
            return []
        return [f"the safety screen flagged the text ({verdict.kind or verdict.level})"]
