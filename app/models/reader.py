"""The model engine: one embedding pass per message, read by every head.

``ModelReader.read(text)`` returns a ``Reading`` (probabilities and the decisions the manifest's
thresholds give). The embedder keeps the vectors of recent texts, so the screen, the detector and the
chat reading the same message within one request embed it once.
"""

from __future__ import annotations

import re

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from app.models.features import features
from app.models.heads import HeadSet, HeadsUnavailable, file_sha256, load_heads
from app.models.labels import DIRECTION_OF_SAFETY

log = logging.getLogger(__name__)



_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def without_repeated_sentences(text: str) -> str:
    """The message with a sentence said again word for word kept once: "I feel alone." twenty times means
    what it means once (the heads saw no such messages, and the length alone pushed them toward danger)."""
    seen: set[str] = set()
    kept = []
    for sentence in _SENTENCE_END.split(text.strip()):
        key = " ".join(sentence.lower().split())
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(sentence)
    return " ".join(kept) if len(kept) < len(_SENTENCE_END.split(text.strip())) else text


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@dataclass(frozen=True)
class Reading:
    """What the heads make of one message. Probabilities are in 0..1."""

    harsh: float
    harsh_at: float
    gentle_below: float
    kinds: dict[str, float] = field(default_factory=dict)
    move: str = "neutral"
    move_probs: dict[str, float] = field(default_factory=dict)
    safety: str = "none"  # most likely dangerous family when ``dangerous``, else "none"
    safety_probs: dict[str, float] = field(default_factory=dict)
    danger: float = 0.0  # probability that the message is dangerous at all (the danger head)
    danger_at: float = 0.5
    level: str = "none"
    crisis: float = 0.0
    intent: str = "share"
    intent_probs: dict[str, float] = field(default_factory=dict)
    speaker: str = "none"

    @property
    def is_harsh(self) -> bool:
        return self.harsh >= self.harsh_at

    @property
    def confidently_gentle(self) -> bool:
        return self.harsh < self.gentle_below

    @property
    def dangerous(self) -> bool:
        return self.danger >= self.danger_at

    @property
    def direction(self) -> str:
        return DIRECTION_OF_SAFETY[self.safety]

    def top_kinds(self, floor: float = 0.5) -> list[str]:
        return [k for k, p in sorted(self.kinds.items(), key=lambda kv: -kv[1]) if p >= floor]


def model_file(embedder_path: Path) -> Path | None:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (Path(embedder_path) / name).exists():
            return Path(embedder_path) / name
    return None


def check_fit(heads: HeadSet, embedder_path: Path) -> None:
    """Raises ``HeadsUnavailable`` when the heads were trained on another embedder's vectors."""
    expected = heads.manifest.get("embedder", {}).get("model_sha256")
    weights = model_file(embedder_path)
    if weights is None:
        raise HeadsUnavailable(f"no model weights in {embedder_path}")
    actual = file_sha256(weights)
    if expected != actual:
        raise HeadsUnavailable(
            f"the heads were trained on embedder {heads.manifest.get('embedder', {}).get('name')} "
            f"({str(expected)[:12]}), the configured one is {str(actual)[:12]}"
        )


class ModelReader:
    def __init__(self, embedder: Embedder, heads: HeadSet):
        self.embedder = embedder
        self.heads = heads
        self.name = heads.manifest.get("embedder", {}).get("name", "embedder")
        self.ngram_bits = int((heads.manifest.get("config") or {}).get("ngram_bits", 0))

    @classmethod
    def load(cls, embedder: Embedder, heads_dir: Path, embedder_path: Path) -> "ModelReader":
        heads = load_heads(heads_dir)
        check_fit(heads, embedder_path)
        return cls(embedder, heads)

    def warm_up(self) -> None:
        """Embeds one text and runs every head (fails here, not on a user's message, on a shape mismatch)."""
        try:
            self.read("warm up")
        except ValueError as exc:
            raise HeadsUnavailable(f"the heads do not fit the embedder's vectors: {exc}") from exc

    def read(self, text: str) -> Reading:
        return self.read_many([text])[0]

    def read_many(self, texts: Sequence[str]) -> list[Reading]:
        if not texts:
            return []
        texts = [without_repeated_sentences(text) for text in texts]
        x = features(np.asarray(self.embedder.embed(list(texts)), dtype=np.float32), texts, self.ngram_bits)
        probs = {name: head.proba(x) for name, head in self.heads.heads.items()}
        t = self.heads.thresholds
        out = []
        for row in range(len(texts)):
            out.append(self._reading({name: (self.heads[name].classes, p[row]) for name, p in probs.items()}, t))
        return out

    @staticmethod
    def _reading(p: dict[str, tuple[tuple[str, ...], np.ndarray]], t: dict) -> Reading:
        def dist(name: str) -> dict[str, float]:
            if name not in p:
                return {}
            classes, values = p[name]
            return {c: float(v) for c, v in zip(classes, values)}

        harsh = dist("harsh").get("harsh", 0.0)
        move = dist("move")
        safety = dist("safety")
        intent = dist("intent")
        speaker = dist("speaker")
        danger = dist("danger").get("danger", 1.0 - safety.get("none", 1.0))
        danger_at = float(t.get("danger", 0.5))
        family = max((c for c in safety if c != "none"), key=lambda c: safety[c], default="none")
        crisis = dist("level").get("crisis", 0.0)
        dangerous = danger >= danger_at
        return Reading(
            harsh=harsh,
            harsh_at=float(t.get("harsh", 0.5)),
            gentle_below=float(t.get("gentle_below", 0.1)),
            kinds=dist("kinds"),
            move=max(move, key=move.get) if move else "neutral",
            move_probs=move,
            safety=family if dangerous else "none",
            safety_probs=safety,
            danger=danger,
            danger_at=danger_at,
            level=("crisis" if crisis >= float(t.get("crisis", 0.5)) else "concern") if dangerous else "none",
            crisis=crisis,
            intent=max(intent, key=intent.get) if intent else "share",
            intent_probs=intent,
            speaker=max(speaker, key=speaker.get) if speaker else "none",
        )
