"""Which language a message is written in (py3langid, BSD-3; its model ships inside the package).

Only the languages the product screens are candidates, and short or mostly-English texts are read as
English (language identification is unreliable on a few words: "ok", "lol fine").
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

CANDIDATES: tuple[str, ...] = ("en", "es", "fr", "de", "pt")
_WORD = re.compile(r"[^\W\d_]+")


class LanguageDetector:
    """``detector(text) -> "en" | "es" | "fr" | "de" | "pt"``; thread-safe, loads its model on first use."""

    def __init__(self, candidates: Sequence[str] = CANDIDATES, min_words: int = 3, min_confidence: float = 0.8):
        self.candidates = tuple(candidates)
        self.min_words = min_words
        self.min_confidence = min_confidence
        self._identifier = None
        self._lock = threading.Lock()

    def _model(self):
        with self._lock:
            if self._identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(self.candidates))
                self._identifier = identifier
        return self._identifier

    def __call__(self, text: str) -> str:
        if len(_WORD.findall(text or "")) < self.min_words:
            return "en"
        try:
            language, confidence = self._model().classify(text)
        except ImportError:  # the package is missing: everything reads as English, the rules for all languages still run
            return "en"
        return language if confidence >= self.min_confidence else "en"
