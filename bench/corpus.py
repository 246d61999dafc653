"""Synthetic knowledge corpora of a given size, for measuring how retrieval scales.

A corpus of N chunks holds the real knowledge base's chunks (with their real embeddings) plus
N minus that many synthetic chunks. A synthetic chunk's text is a shuffle of sentences from two
real chunks; its vector is, by ``vectors``:

* ``perturbed`` (default): the first real chunk's embedding plus Gaussian noise, renormalised
  (cosine about 0.65 to it), so the synthetic chunks cluster like real text does and compete with
  the real chunks for the top places;
* ``random``: a random unit vector (nothing clusters: the hardest case for the HNSW graph, and the
  real chunks stay the best hits);
* ``real``: the synthetic text embedded with all-MiniLM-L6-v2 (slow: minutes for 10,000 chunks).

Chunks are written straight into a Chroma collection made by ``KnowledgeIndex`` (cosine space),
so the app reads them as it reads its own.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

VECTOR_KINDS = ("perturbed", "random", "real")
NOISE = 0.055  # per-dimension sigma for 384 dimensions: cosine to the base vector about 0.65


@dataclass(frozen=True)
class RealChunks:
    ids: list[str]
    texts: list[str]
    metadatas: list[dict]
    vectors: np.ndarray


def read_chunks(index) -> RealChunks:
    """Every chunk of a ``KnowledgeIndex``, with its embedding."""
    held = index.store._collection.get(include=["documents", "metadatas", "embeddings"])
    return RealChunks(list(held["ids"]), list(held["documents"]), [dict(m or {}) for m in held["metadatas"]], np.asarray(held["embeddings"], dtype=np.float32))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s.strip()) > 3]


def synthetic_texts(real: RealChunks, count: int, seed: int = 7) -> list[tuple[int, str]]:
    """(base chunk number, text) for ``count`` synthetic chunks."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        base = n % len(real.texts)
        other = rng.randrange(len(real.texts))
        mixed = _sentences(real.texts[base]) + _sentences(real.texts[other])[:3]
        rng.shuffle(mixed)
        out.append((base, " ".join(mixed)[:900]))
    return out


def synthetic_vectors(real: RealChunks, bases: list[int], kind: str, texts: list[str], embedder=None, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dims = real.vectors.shape[1]
    match kind:
        case "perturbed":
            vectors = real.vectors[bases] + rng.normal(0.0, NOISE, size=(len(bases), dims)).astype(np.float32)
        case "random":
            vectors = rng.normal(0.0, 1.0, size=(len(bases), dims)).astype(np.float32)
        case "real":
            vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
        case _:
            raise ValueError(f"vector kind {kind!r} is not supported. Available: {', '.join(VECTOR_KINDS)}")
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def fill_collection(index, real: RealChunks, size: int, *, kind: str = "perturbed", embedder=None, batch: int = 1000) -> dict:
    """Make ``index``'s (empty) collection hold the real chunks plus synthetic ones, ``size`` in all."""
    collection = index.store._collection
    started = time.perf_counter()
    for start in range(0, len(real.ids), batch):
        end = start + batch
        collection.add(ids=real.ids[start:end], documents=real.texts[start:end], metadatas=real.metadatas[start:end], embeddings=real.vectors[start:end])
    extra = max(0, size - len(real.ids))
    made = synthetic_texts(real, extra)
    embed_seconds = 0.0
    for start in range(0, extra, batch):
        part = made[start : start + batch]
        bases = [base for base, _ in part]
        texts = [text for _, text in part]
        embed_started = time.perf_counter()
        vectors = synthetic_vectors(real, bases, kind, texts, embedder, seed=start)
        embed_seconds += time.perf_counter() - embed_started
        ids = [hashlib.sha1(f"synthetic#{start + i}".encode()).hexdigest() for i in range(len(part))]
        metadatas = [
            {
                "source_id": f"synthetic/article-{(start + i) // 8:05d}.md",
                "title": f"Synthetic article {(start + i) // 8}",
                "source": "synthetic corpus (bench)",
                "topics": real.metadatas[base].get("topics", ""),
                "section": real.metadatas[base].get("section", ""),
                "file_hash": "synthetic",
                "chunk": (start + i) % 8,
            }
            for i, base in enumerate(bases)
        ]
        collection.add(ids=ids, documents=texts, metadatas=metadatas, embeddings=vectors)
    return {"chunks": collection.count(), "fill_seconds": round(time.perf_counter() - started, 1), "embed_seconds": round(embed_seconds, 1)}


def corpus_dir(root: Path, size: int, kind: str) -> Path:
    return root / f"corpus-{size}-{kind}"
