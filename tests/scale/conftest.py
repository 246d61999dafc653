"""Scale-out fixtures: a real Chroma server (``chroma run``) on a free loopback port.

The server is one per test session, persisting to a temporary folder; tests use collections of
their own (``unique_collection``). Processes are started and stopped by ``bench.servers``, the
same helper the benchmarks use.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.servers import LOOPBACK, ChromaServer


def unique_collection(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    folder: Path = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(folder / "data", log_path=folder / "chroma.log")
    try:
        server.wait_ready(timeout=180)
        yield server
    finally:
        server.stop()


@pytest.fixture
def chroma_http_client(chroma_server: ChromaServer):
    """A Chroma HTTP client to the test server, made the way the app makes it."""
    from app.backends.vector_index import make_chroma_client

    return make_chroma_client("http", Path("unused"), LOOPBACK, chroma_server.port)
