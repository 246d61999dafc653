"""Builds the model engine's parts from settings: the embedder the heads read, training runs."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from app.backends.embeddings import MiniLMEmbedder, packaged_model_path
from app.models.corpus import corpus_sha256, load_corpus
from app.models.features import embed_with_cache, features
from app.models.heads import file_sha256, save_heads
from app.models.reader import model_file
from app.models.train import TrainConfig, environment, train_heads
from app.settings import Settings

log = logging.getLogger(__name__)


def embedder_path(settings: Settings) -> Path:
    return Path(settings.models.embedder_path) if settings.models.embedder_path else packaged_model_path()


def shares_service_embedder(settings: Settings) -> bool:
    """True when the heads read the same model the knowledge index uses (one instance, one cache)."""
    service = Path(settings.embedding_model_path) if settings.embedding_model_path else packaged_model_path()
    return service.resolve() == embedder_path(settings).resolve()


def build_head_embedder(settings: Settings, service_embedder: MiniLMEmbedder | None = None, *, threads: int | None = None) -> MiniLMEmbedder:
    if service_embedder is not None and shares_service_embedder(settings):
        return service_embedder
    return MiniLMEmbedder(embedder_path(settings), threads=threads or settings.embedding_threads)


def train_from_settings(settings: Settings, *, config: TrainConfig = TrainConfig(), threads: int = 2, out=print) -> dict:
    """Reads ``settings.models.corpus_dir``, embeds it (vectors cached under ``data_dir/cache``), trains,
    and writes heads + manifest to ``settings.models.heads_dir``. Returns the manifest."""
    started = time.perf_counter()
    corpus_dir = Path(settings.models.corpus_dir)
    lines = load_corpus(corpus_dir)
    out(f"corpus: {len(lines)} lines from {corpus_dir}")
    path = embedder_path(settings)
    weights = model_file(path)
    if weights is None:
        raise FileNotFoundError(f"no model weights in {path}")
    embedder = MiniLMEmbedder(path, threads=threads, batch_size=64, cache_size=0)
    texts = [line.text for line in lines]
    cache = Path(settings.data_dir) / "cache" / f"vectors-{settings.models.embedder_name}.npz"
    t0 = time.perf_counter()
    vectors = embed_with_cache(embedder, texts, cache)
    embed_s = time.perf_counter() - t0
    out(f"embedded with {settings.models.embedder_name} in {embed_s:.1f}s")
    x = features(vectors, texts, config.ngram_bits)
    trained = train_heads(lines, x, config, log=out)
    manifest = {
        "command": "softstart train",
        "corpus": {"path": "data/corpus", "sha256": corpus_sha256(corpus_dir), "lines": len(lines),
                   "batches": sorted({l.batch for l in lines}), "writers": sorted({l.writer for l in lines})},
        "embedder": {"name": settings.models.embedder_name, "model_file": weights.name, "model_sha256": file_sha256(weights),
                     "dimensions": int(vectors.shape[1])},
        "features": ("embedding + surface signals" + (f" + hashed word 1-2-grams and char_wb 2-5-grams (2x2^{config.ngram_bits})"
                     if config.ngram_bits else "") + " (app/models/features.py)"),
        "seed": config.seed,
        "config": {"folds": config.folds, "C": config.c, "ngram_bits": config.ngram_bits, "grouped_folds": True, "max_safety_fpr": config.max_safety_fpr,
                   "gentle_npv": config.gentle_npv, "danger_recall": config.danger_recall, "max_iter": config.max_iter, "crisis_recall": config.crisis_recall},
        "thresholds": trained.thresholds,
        "cv": trained.cv,
        "label_counts": trained.counts,
        "timing_s": {"embedding": round(embed_s, 1), "training": round(trained.seconds, 1),
                     "total": round(time.perf_counter() - started, 1)},
        "environment": environment(),
        "argv": " ".join(sys.argv[1:]) if sys.argv else "",
    }
    save_heads(Path(settings.models.heads_dir), trained.heads, manifest)
    out(f"heads written to {settings.models.heads_dir} ({manifest['timing_s']['total']}s)")
    return manifest
