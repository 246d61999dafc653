"""Semantic second stage of the safety screen: catches danger worded in ways the rules never saw.

Each text is embedded (all-MiniLM-L6-v2) and compared with exemplar sentences we wrote per kind
in ``data/exemplars.yaml``, and with *safe* counter-exemplars (look-alikes such as "this fight is
killing me" or "what is suicide?"). The check fires when the nearest unsafe exemplar is similar
enough (``threshold``) and clearly nearer than the nearest safe one (``margin``). Long texts are
split into sentences and the strongest sentence decides.

The exemplars are embedded once, on first use. Nothing here logs or keeps the text.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
import yaml

from app.screen.types import SAFETY_KINDS, SafetyKind

logger = logging.getLogger(__name__)


# Tuned on the dev split (tests/data/safety_cases.jsonl + XSTest's safe prompts): the loosest pair that
# keeps 0 false positives on our safe cases and adds none on XSTest safe. See tests/safety/test_semantic.py.
DEFAULT_THRESHOLD = 0.56
DEFAULT_MARGIN = 0.13

MAX_SENTENCES = 24  # a pasted essay is cut to its first sentences (plus the whole text)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+|\n+|\s+-{1,2}\s+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


class Embedder(Protocol):
    """Unit-length sentence vectors (``app.backends.embeddings.MiniLMEmbedder``)."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class SemanticMatch(NamedTuple):
    """The kind of danger a text resembles and its cosine similarity to the nearest exemplar."""

    kind: SafetyKind
    score: float


@dataclass(frozen=True)
class SentenceScores:
    """How near one sentence is to each kind's exemplars and to the safe counter-exemplars."""

    by_kind: Mapping[str, float]
    safe: float

    @property
    def best_kind(self) -> str:
        return max(self.by_kind, key=lambda kind: (self.by_kind[kind], -SAFETY_KINDS.index(kind)))

    @property
    def best(self) -> float:
        return self.by_kind[self.best_kind]


@dataclass(frozen=True)
class Exemplars:
    """Sentences we wrote: ``unsafe`` per kind, and ``safe`` look-alikes that must not fire."""

    unsafe: Mapping[str, tuple[str, ...]]
    safe: tuple[str, ...]


def load_exemplars(path: Path) -> Exemplars:
    """Reads ``{unsafe: {kind: [sentences]}, safe: [sentences]}`` (the locale's ``safety/exemplars.yaml``);
    a bad file raises ``ValueError``."""
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read safety exemplars {source}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("unsafe"), dict):
        raise ValueError(f"{source}: expected a mapping with 'unsafe' (kind -> sentences) and 'safe' (sentences)")
    unsafe: dict[str, tuple[str, ...]] = {}
    for kind, sentences in data["unsafe"].items():
        if kind not in SAFETY_KINDS:
            raise ValueError(f"{source}: unknown kind {kind!r} (known: {', '.join(SAFETY_KINDS)})")
        unsafe[kind] = _sentences(sentences, f"{source}: unsafe.{kind}")
    missing = [kind for kind in SAFETY_KINDS if kind not in unsafe]
    if missing:
        raise ValueError(f"{source}: no exemplars for {', '.join(missing)}")
    return Exemplars(unsafe=unsafe, safe=_sentences(data.get("safe"), f"{source}: safe"))


def _sentences(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where} must be a non-empty list of sentences")
    sentences = tuple(str(item).strip() for item in value)
    if not all(sentences):
        raise ValueError(f"{where} holds an empty sentence")
    return sentences


def split_sentences(text: str, limit: int = MAX_SENTENCES) -> list[str]:
    """The text's sentences (at most ``limit``), plus the whole text when it has several.

    Fragments of one word ("Me.", "ok") say too little to embed and are dropped.
    """
    text = text.strip()
    parts = [part.strip() for part in _SENTENCE_BREAK.split(text)]
    parts = [part for part in parts if len(_WORD.findall(part)) >= 2]
    if len(parts) <= 1:
        return [text] if text else []
    return parts[:limit] + [text]


class SemanticSafetyCheck:
    """Nearest-exemplar check over sentence embeddings; ``check`` is safe to call from threads."""

    def __init__(
        self,
        embedder: Embedder,
        exemplars_path: Path,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
    ):
        self._embedder = embedder
        self._exemplars = load_exemplars(exemplars_path)
        self.threshold = threshold
        self.margin = margin
        self._lock = threading.Lock()
        self._unsafe_vectors: np.ndarray | None = None
        self._unsafe_kinds: np.ndarray | None = None  # index into SAFETY_KINDS, one per unsafe row
        self._safe_vectors: np.ndarray | None = None

    @property
    def exemplars(self) -> Exemplars:
        return self._exemplars

    def warm_up(self) -> None:
        """Embeds the exemplars now (at start-up) rather than on the first message."""
        self._vectors()

    def check(self, text: str) -> SemanticMatch | None:
        """The kind the text resembles, or ``None`` when no sentence is near enough to danger."""
        return self._verdict(self.score(text))

    def check_many(self, texts: Sequence[str]) -> list[SemanticMatch | None]:
        """``check`` for many texts with one embedding call (for evaluations)."""
        per_text = [split_sentences(text or "") for text in texts]
        scores = iter(self._score_sentences([s for sentences in per_text for s in sentences]))
        return [self._verdict([next(scores) for _ in sentences]) for sentences in per_text]

    def fires(self, scores: SentenceScores) -> bool:
        return scores.best >= self.threshold and scores.best - scores.safe >= self.margin

    def score(self, text: str) -> list[SentenceScores]:
        """Per sentence: the best similarity to each kind and to the safe look-alikes (one batch)."""
        return self._score_sentences(split_sentences(text or ""))

    def _verdict(self, sentence_scores: Sequence[SentenceScores]) -> SemanticMatch | None:
        fired = [
            SemanticMatch(scores.best_kind, scores.best)  # type: ignore[arg-type]
            for scores in sentence_scores
            if self.fires(scores)
        ]
        return max(fired, key=lambda match: match.score) if fired else None

    def _score_sentences(self, sentences: Sequence[str]) -> list[SentenceScores]:
        if not sentences:
            return []
        unsafe, kinds, safe = self._vectors()
        vectors = np.asarray(self._embedder.embed(list(sentences)), dtype=np.float32)
        unsafe_sims = vectors @ unsafe.T
        safe_best = (vectors @ safe.T).max(axis=1)
        results = []
        for row, safe_score in zip(unsafe_sims, safe_best):
            by_kind = {kind: float(row[kinds == index].max()) for index, kind in enumerate(SAFETY_KINDS)}
            results.append(SentenceScores(by_kind=by_kind, safe=float(safe_score)))
        return results

    def _vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exemplar embeddings, computed on first use and kept."""
        with self._lock:
            if self._unsafe_vectors is None or self._unsafe_kinds is None or self._safe_vectors is None:
                unsafe = [(kind, s) for kind, sentences in self._exemplars.unsafe.items() for s in sentences]
                texts = [s for _, s in unsafe] + list(self._exemplars.safe)
                vectors = np.asarray(self._embedder.embed(texts), dtype=np.float32)
                self._unsafe_vectors = vectors[: len(unsafe)]
                self._unsafe_kinds = np.asarray([SAFETY_KINDS.index(kind) for kind, _ in unsafe])  # type: ignore[arg-type]
                self._safe_vectors = vectors[len(unsafe) :]
                logger.info(
                    "semantic safety check: embedded %d unsafe and %d safe exemplars", len(unsafe), len(self._exemplars.safe)
                )
            return self._unsafe_vectors, self._unsafe_kinds, self._safe_vectors
