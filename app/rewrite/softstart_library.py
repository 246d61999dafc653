"""Softstart's own phrasing data: the topic lexicon and the library of soft start-ups.

Loaded from the locale's ``softstarts.yaml``; each topic's label and need come from the locale's one topic
table (``topics.yaml``). The library is searched by embedding similarity when the analyzer does not recognise
a message's topic.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from app.backends.embeddings import Embedder
from app.rule_data import DataFileError, check_options, read_mapping, require

log = logging.getLogger(__name__)

LIBRARY_SECTIONS = frozenset({"topics", "feelings_by_flag", "break_times", "change_reasons", "softstarts"})
PHRASING_OPTIONS = frozenset({"feelings", "objects", "default_object", "situations", "requests", "closings"})
EXAMPLE_OPTIONS = frozenset({"topic", "harsh", "soft", "request"})


@dataclass(frozen=True)
class TopicPhrasing:
    """How we talk about one topic: feelings, blame-free situations, requests, closings."""

    key: str
    label: str
    need: str
    feelings: tuple[str, ...]
    situations: tuple[str, ...]
    requests: tuple[str, ...]
    closings: tuple[str, ...]
    objects: tuple[tuple[re.Pattern[str], str], ...] = ()
    default_object: str = ""

    def object_in(self, message: str) -> str:
        """The thing the message is about, named by our phrase for it (``default_object`` if none)."""
        for pattern, phrase in self.objects:
            if pattern.search(message):
                return phrase
        return self.default_object


@dataclass(frozen=True)
class SoftStartExample:
    topic: str
    harsh: str
    soft: str
    request: str


@dataclass(frozen=True)
class BreakTime:
    minutes: int
    return_phrase: str


@dataclass(frozen=True)
class LibraryMatch:
    example: SoftStartExample
    similarity: float


class SoftStartLibrary:
    """Topic lexicon, flag feelings, break times, change reasons and example soft start-ups."""

    def __init__(
        self,
        *,
        topics: Mapping[str, TopicPhrasing],
        examples: Sequence[SoftStartExample],
        feelings_by_flag: Mapping[str, str],
        break_times: Sequence[BreakTime],
        change_reasons: Mapping[str, str],
    ):
        if not break_times:
            raise ValueError("at least one break time is needed")
        if any(b.minutes < 20 for b in break_times):
            raise ValueError("a break must last at least 20 minutes")
        self.topics = dict(topics)
        self.examples = list(examples)
        self.feelings_by_flag = dict(feelings_by_flag)
        self.break_times = list(break_times)
        self.change_reasons = dict(change_reasons)
        self._example_vectors: list[list[float]] | None = None
        self._vectors_from: int | None = None

    @classmethod
    def load(cls, path: Path, topics_path: Path) -> "SoftStartLibrary":
        """The phrasing in ``path`` over the topic table in ``topics_path`` (labels and needs); strict: a topic
        the table does not know, or an unknown option, raises ``DataFileError``."""
        from app.detect.lexicon import load_topics

        raw = read_mapping(path)
        check_options(raw, LIBRARY_SECTIONS, file=path, rule="(top level)")
        table = {topic.key: topic for topic in load_topics(topics_path)}
        topics = {}
        for key, spec in (raw.get("topics") or {}).items():
            if key not in table:
                raise DataFileError(path, f"topic not in the topic table {topics_path}", rule=str(key))
            if not isinstance(spec, dict):
                raise DataFileError(path, "expected a mapping of phrasing", rule=str(key))
            check_options(spec, PHRASING_OPTIONS, file=path, rule=str(key))
            require(spec, ("situations", "requests"), file=path, rule=str(key))
            topics[key] = _topic_from(key, spec, table[key].label, table[key].need)
        examples = []
        for index, e in enumerate(raw.get("softstarts") or []):
            rule = f"softstarts.{index + 1}"
            check_options(e, EXAMPLE_OPTIONS, file=path, rule=rule)
            require(e, EXAMPLE_OPTIONS, file=path, rule=rule)
            examples.append(SoftStartExample(topic=e["topic"], harsh=e["harsh"], soft=e["soft"], request=e["request"]))
        break_times = [BreakTime(int(b["minutes"]), str(b["return"])) for b in raw.get("break_times") or []]
        return cls(
            topics=topics,
            examples=examples,
            feelings_by_flag=raw.get("feelings_by_flag") or {},
            break_times=break_times,
            change_reasons=raw.get("change_reasons") or {},
        )

    def topic(self, key: str | None) -> TopicPhrasing | None:
        return self.topics.get(key) if key else None

    def feeling_for_flag(self, kind: str | None) -> str:
        return self.feelings_by_flag.get(kind or "default") or self.feelings_by_flag.get("default", "upset")

    def change_reason(self, kind: str, fallback: str = "") -> str:
        return self.change_reasons.get(kind) or fallback

    def nearest(self, message: str, embedder: Embedder, *, k: int = 3) -> list[LibraryMatch]:
        """The ``k`` examples whose harsh text is closest in meaning to ``message``, best first."""
        if not self.examples:
            return []
        vectors = self._vectors(embedder)
        (query,) = embedder.embed([message])
        scored = [
            LibraryMatch(example, float(sum(a * b for a, b in zip(query, vector))))
            for example, vector in zip(self.examples, vectors)
        ]
        scored.sort(key=lambda match: match.similarity, reverse=True)
        return scored[:k]

    def warm_up(self, embedder: Embedder) -> None:
        """Embed the library now (loading the model), not on someone's first message."""
        self._vectors(embedder)

    def _vectors(self, embedder: Embedder) -> list[list[float]]:
        # Cached per embedder instance: the library is small, so one batch embeds it all.
        if self._example_vectors is None or self._vectors_from != id(embedder):
            self._example_vectors = embedder.embed([e.harsh for e in self.examples])
            self._vectors_from = id(embedder)
        return self._example_vectors


def _topic_from(key: str, spec: Mapping, label: str, need: str) -> TopicPhrasing:
    objects = tuple(
        (re.compile(pattern, re.IGNORECASE), str(phrase)) for pattern, phrase in (spec.get("objects") or {}).items()
    )
    return TopicPhrasing(
        key=key,
        label=label,
        need=need,
        feelings=tuple(spec.get("feelings") or ("upset",)),
        situations=tuple(spec["situations"]),
        requests=tuple(spec["requests"]),
        closings=tuple(spec.get("closings") or ("",)),
        objects=objects,
        default_object=str(spec.get("default_object", "")),
    )
