"""Counts the embedding work a request does: model passes and texts run through the model.

Counts calls that reach the model (``MiniLMEmbedder._encode`` when the embedder has one, so
vectors served from its cache are not counted), else calls to ``embed``.
"""

from __future__ import annotations


class CountingEmbeddings:
    """A context: within it, every call that reaches ``embedder``'s model is counted."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.name = "_encode" if hasattr(embedder, "_encode") else "embed"
        self.calls = 0
        self.texts = 0

    def __enter__(self) -> "CountingEmbeddings":
        original = getattr(self.embedder, self.name)

        def counted(texts):
            self.calls += 1
            self.texts += len(texts)
            return original(texts)

        setattr(self.embedder, self.name, counted)
        return self

    def __exit__(self, *exc) -> None:
        delattr(self.embedder, self.name)

    def per_request(self, requests: int) -> dict:
        return {"model_passes_per_request": round(self.calls / requests, 2), "texts_embedded_per_request": round(self.texts / requests, 2)}


def forget_cached_vectors(embedder) -> None:
    """Empty the embedder's cache of recent vectors, so a series starts as new traffic would."""
    cache = getattr(embedder, "_cache", None)
    if cache is not None:
        cache.clear()
