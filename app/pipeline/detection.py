"""The ``Detector`` port over today's analyzers: the evidence of an ``Analysis`` as a ``Detection``.

The analyzer (rules, or the trained heads with the rules' spans) still writes the prose the rewrite page
shows; a ``Detection`` keeps only what was found: spans and kinds, move, topic, speaker, confidence.
"""

from __future__ import annotations

from collections.abc import Callable

from app.detect.types import Analysis, AnalysisContext
from app.pipeline.ports import Detection, Span


def detection_of(analysis: Analysis, *, speaker: str | None = None) -> Detection:
    return Detection(
        spans=tuple(Span(flag.kind, flag.span[0], flag.span[1], flag.text) for flag in analysis.flags),
        move=analysis.move,
        topic=analysis.topic,
        speaker=speaker,
        confidence=float(analysis.harshness),
        engine=analysis.engine,
        language_supported=analysis.language_supported,
        flooded=analysis.flooded,
        confidently_gentle=analysis.confidently_gentle,
    )


class AnalysisDetector:
    """A ``Detector`` over an analyze function (``RulesDetector``, ``ModelDetector``, ``analyzer.analyze``);
    ``speaker`` reads who speaks in a text (the intent reader), when there is one."""

    def __init__(self, analyze: Callable[..., Analysis], *, speaker: Callable[[str], str] | None = None, name: str | None = None):
        self.analyze = analyze
        self.speaker = speaker
        self.name = name or getattr(analyze, "name", "rules")

    def detect(self, text: str) -> Detection:
        analysis = self.analyze(text, AnalysisContext())
        return detection_of(analysis, speaker=self.speaker(text) if self.speaker is not None else None)
