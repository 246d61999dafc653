"""The knowledge index against a real Chroma server (client/server mode), through the HTTP client.

The index checks of ``tests/knowledge/test_index.py`` run here unchanged: this module imports
them and overrides their ``index`` fixture with one whose collection lives on the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.backends.vector_index import KnowledgeIndex, make_chroma_client
from app.services import open_and_sync_index, open_index
from app.settings import Settings
from bench.servers import LOOPBACK, free_port
from tests.knowledge.test_index import (  # noqa: F401 - fixtures and tests, run here against the server
    library,
    test_search_returns_the_relevant_passage_with_its_source,
    test_sync_is_incremental,
)
from tests.scale.conftest import unique_collection


@pytest.fixture
def index(chroma_http_client, embedder) -> KnowledgeIndex:
    """The same index as in test_index.py, but in a collection on the Chroma server."""
    return KnowledgeIndex(chroma_http_client, embedder, collection=unique_collection(), chunk_size=300, chunk_overlap=40)


def http_settings(tmp_path: Path, port: int, collection: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings read from the environment, as a deployment sets them."""
    monkeypatch.setenv("SOFTSTART_VECTOR_STORE__MODE", "http")
    monkeypatch.setenv("SOFTSTART_VECTOR_STORE__HOST", LOOPBACK)
    monkeypatch.setenv("SOFTSTART_VECTOR_STORE__PORT", str(port))
    monkeypatch.setenv("SOFTSTART_VECTOR_STORE__COLLECTION", collection)
    return Settings(_env_file=None, data_dir=tmp_path / "data", environment="test")


def test_settings_from_the_environment_select_the_server(chroma_server, embedder, library, tmp_path, monkeypatch):
    settings = http_settings(tmp_path, chroma_server.port, unique_collection(), monkeypatch)
    assert settings.vector_store.mode == "http" and settings.vector_store.port == chroma_server.port
    index = open_index(settings, embedder)
    report = index.sync_folders([library])
    assert report.files_added == 3 and index.count() == report.chunks_total > 0
    assert not (settings.data_dir / "chroma").exists()  # nothing was written locally


def test_index_survives_a_server_restart(chroma_server, embedder, library):
    collection = unique_collection()
    connect = lambda: make_chroma_client("http", Path("unused"), LOOPBACK, chroma_server.port)  # noqa: E731
    first = KnowledgeIndex(connect(), embedder, collection=collection)
    first.sync_folders([library])
    held = first.count()

    chroma_server.restart()
    chroma_server.wait_ready(timeout=180)

    # the client a running replica holds reconnects by itself ...
    assert first.count() == held > 0
    assert first.search("What is a bid for connection?", k=1)[0].title == "Bids for connection"
    # ... and a replica that starts now finds the index and embeds nothing
    reopened = KnowledgeIndex(connect(), embedder, collection=collection)
    assert reopened.count() == held
    assert reopened.sync_folders([library]).chunks_embedded == 0


def test_an_unreachable_server_leaves_the_index_not_ready(embedder, tmp_path, monkeypatch):
    settings = http_settings(tmp_path, free_port(), unique_collection(), monkeypatch)
    index, status = open_and_sync_index(settings, embedder)
    assert index is None and not status.ready
    assert "index unavailable" in status.detail
