"""BM25 ranking of the index's chunks (the ``bm25s`` library), kept in step with the Chroma collection.

Each chunk is ranked as its article title, section title and text together, so a question that names
an article's subject ("the 20-minute break") finds its chunks even where the text says "time-out".
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

from app.backends.vector_index import contextual_text
from app.text_utils import STOP_WORDS, stem

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")
_NUMBERS = {"twenty": "20", "thirty": "30", "ten": "10", "fifteen": "15", "five": "5", "two": "2", "three": "3"}


def tokens(text: str) -> list[str]:
    """Lower-cased, crudely stemmed meaning words; number words as digits; hyphenated words split."""
    words = _WORD.findall(text.lower().replace("\u2019", "'").replace("'", ""))
    return [stem(_NUMBERS.get(w, w)) for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float


class LexicalIndex:
    """A BM25 index over ``load()``'s chunks, rebuilt when ``version()`` changes (chunks added or removed)."""

    def __init__(self, load: Callable[[], list[tuple[str, str, dict]]], version: Callable[[], object], *, k1: float = 1.2, b: float = 0.75):
        self._load = load
        self._version = version
        self.k1 = k1
        self.b = b
        self._lock = threading.Lock()
        self._built_for: object = None
        self._model = None
        self._ids: list[str] = []

    def _build(self) -> None:
        import bm25s

        chunks = self._load()
        corpus = [tokens(contextual_text(str(m.get("title", "")), str(m.get("section", "")), text or "")) for _, text, m in chunks]
        model = bm25s.BM25(k1=self.k1, b=self.b)
        if chunks:
            model.index(corpus, show_progress=False)
        self._model, self._ids = model, [chunk_id for chunk_id, _, _ in chunks]
        log.info("lexical index built over %d chunks", len(self._ids))

    def ensure_current(self) -> None:
        version = self._version()
        if version == self._built_for and self._model is not None:
            return
        with self._lock:
            if version != self._built_for or self._model is None:
                self._build()
                self._built_for = version

    def _scores(self, text: str, exclude: set[str] = frozenset()):
        vocabulary = getattr(self._model, "vocab_dict", None) or {}
        wanted = list(dict.fromkeys(t for t in tokens(text) if t in vocabulary and t not in exclude))
        return (self._model.get_scores(wanted), set(wanted)) if wanted else (None, set(wanted))

    def best(self, query: str) -> float:
        """The best BM25 score of any chunk for the query's own words (no synonyms): 0 when none match."""
        self.ensure_current()
        if not self._ids:
            return 0.0
        scores, _ = self._scores(query)
        return float(scores.max()) if scores is not None else 0.0

    def search(self, query: str, k: int = 20, *, related: str = "", related_weight: float = 0.4) -> list[LexicalHit]:
        """Up to ``k`` chunks with a positive BM25 score, best first. ``related`` words (synonyms of
        the query's) count ``related_weight`` times as much as the query's own."""
        self.ensure_current()
        if not self._ids:
            return []
        scores, used = self._scores(query)
        if related and related_weight > 0:
            extra, _ = self._scores(related, exclude=used)
            if extra is not None:
                scores = extra * related_weight if scores is None else scores + extra * related_weight
        if scores is None:
            return []
        order = scores.argsort()[::-1][: min(k, len(self._ids))]
        return [LexicalHit(self._ids[i], float(scores[i])) for i in order if scores[i] > 0]


def ids_only(hits: Sequence[LexicalHit]) -> list[str]:
    return [hit.chunk_id for hit in hits]
