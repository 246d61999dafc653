"""A started service has its embedding model in memory: no user's request pays for loading it.

Regression: once composed rewrites stopped embedding, the start-up warm-up no longer loaded the
model, and under load every request queued for seconds behind the first one that needed it.
"""

from __future__ import annotations


def test_build_services_loads_the_embedding_model_before_any_request(app_settings, services):
    from app.backends.embeddings import MiniLMEmbedder
    from app.services import build_services

    fresh = MiniLMEmbedder()
    assert not fresh.loaded
    built = build_services(app_settings, embedder=fresh)
    try:
        assert fresh.loaded
        assert built.rewriter.library._example_vectors is not None  # the soft start-up library is embedded too
    finally:
        built.db_engine.dispose()
