"""What every head reads: one sentence embedding of the message plus a few surface signals the
embedder cannot see (its tokenizer lower-cases, so ALL CAPS and "!!!" are lost)."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
SURFACE_NAMES = ("caps_ratio", "exclamations", "questions", "log_words", "repeated_marks", "ellipsis")


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def surface(text: str) -> list[float]:
    letters = _LETTER.findall(text)
    upper = sum(1 for c in letters if c.isupper())
    caps = upper / len(letters) if len(letters) >= 4 else 0.0
    words = len(_WORD.findall(text))
    return [
        caps,
        min(text.count("!"), 5) / 5,
        min(text.count("?"), 5) / 5,
        math.log1p(words) / 5,
        1.0 if re.search(r"[!?]{2,}", text) else 0.0,
        1.0 if "..." in text or "\u2026" in text else 0.0,
    ]


_TOKEN = r"(?u)\b\w+\b|[!?]"


def ngrams(texts: Sequence[str], bits: int):
    """Hashed lexical features (no vocabulary to store): word 1-2-grams and char_wb 2-5-grams, each in
    ``2**bits`` columns, sublinear tf, each block L2-normalised. Sparse (rows, 2 * 2**bits)."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.preprocessing import normalize

    blocks = []
    for vectorizer in (
        HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**bits, alternate_sign=False, norm=None,
                          token_pattern=_TOKEN, dtype=np.float32),
        HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=2**bits, alternate_sign=False, norm=None,
                          dtype=np.float32),
    ):
        block = vectorizer.transform(list(texts))
        block.data = 1.0 + np.log(block.data)
        blocks.append(normalize(block))
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def features(vectors: np.ndarray, texts: Sequence[str], ngram_bits: int = 0):
    """Embedding rows followed by the surface signals of each text; with ``ngram_bits``, followed by the
    hashed n-grams of :func:`ngrams` (the result is then a sparse CSR matrix)."""
    extra = np.asarray([surface(t) for t in texts], dtype=np.float32).reshape(len(texts), len(SURFACE_NAMES))
    dense = np.hstack([np.asarray(vectors, dtype=np.float32), extra])
    if not ngram_bits:
        return dense
    import scipy.sparse as sp

    return sp.hstack([sp.csr_matrix(dense), ngrams(texts, ngram_bits)], format="csr", dtype=np.float32)


def embed_with_cache(embedder: Embedder, texts: Sequence[str], cache_file: Path | None, batch: int = 64,
                     progress=None) -> np.ndarray:
    """Unit vectors of ``texts``; vectors already in ``cache_file`` (keyed by a hash of the text) are reused."""
    keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest() for t in texts]
    cache: dict[str, np.ndarray] = {}
    if cache_file is not None and cache_file.exists():
        with np.load(cache_file) as stored:
            cache = dict(zip(stored["keys"].tolist(), stored["vectors"]))
    missing = list(dict.fromkeys(k for k in keys if k not in cache))
    text_of = dict(zip(keys, texts))
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        for key, vector in zip(chunk, embedder.embed([text_of[k] for k in chunk])):
            cache[key] = np.asarray(vector, dtype=np.float32)
        if progress:
            progress(min(start + batch, len(missing)), len(missing))
    if cache_file is not None and missing:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_file, keys=np.asarray(list(cache)), vectors=np.stack(list(cache.values())))
    return np.stack([cache[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
