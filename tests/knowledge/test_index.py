"""The real Chroma index with the real embedding model, in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.knowledge.articles import load_articles
from app.backends.vector_index import KnowledgeIndex, collect_articles, make_chroma_client
from app.knowledge.library import FolderRegistry

ARTICLE = """---
title: "Bids for connection"
source: "Test Author, Test Site"
topics: [bids]
---
# Bids for connection

A bid is a small reach toward a partner: a question, a touch, a joke. Turning toward a bid builds trust.

## Missing bids

When bids are missed again and again, the partner who reaches starts to protest louder.
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "bids.md").write_text(ARTICLE, encoding="utf-8")
    (folder / "notes.txt").write_text("Taking a break\n\nA break of twenty minutes lets a flooded body calm down.\n", encoding="utf-8")
    (folder / "page.html").write_text(
        "<html><head><title>Repair attempts</title><meta name='author' content='Jane Doe'></head>"
        "<body><nav>menu</nav><h1>Repair attempts</h1><p>A repair attempt is any move that stops a fight from spiralling, like humour or an apology.</p>"
        "<script>var x = 1;</script></body></html>",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def index(tmp_path: Path, embedder) -> KnowledgeIndex:
    client = make_chroma_client("embedded", tmp_path / "chroma")
    return KnowledgeIndex(client, embedder, collection="test", chunk_size=300, chunk_overlap=40)


def test_articles_keep_their_citation_metadata(library: Path):
    articles = {a.path.name: a for a in load_articles(library, "lib")}
    assert articles["bids.md"].title == "Bids for connection"
    assert articles["bids.md"].source == "Test Author, Test Site"
    assert "title:" not in articles["bids.md"].text
    assert articles["page.html"].title == "Repair attempts"
    assert articles["page.html"].source == "Jane Doe"
    assert "var x" not in articles["page.html"].text and "menu" not in articles["page.html"].text
    assert articles["notes.txt"].title == "Taking a break"
    assert articles["notes.txt"].source.startswith("Your library")


def test_sync_is_incremental(index: KnowledgeIndex, library: Path):
    first = index.sync_folders([library])
    assert first.files_added == 3 and first.chunks_embedded >= 3
    again = index.sync_folders([library])
    assert again.chunks_embedded == 0 and again.files_unchanged == 3 and not again.changed
    assert again.chunks_total == first.chunks_total

    (library / "notes.txt").write_text("Taking a break\n\nSelf-soothing means calming your own body: slow breaths, a walk.\n")
    changed = index.sync_folders([library])
    assert changed.files_updated == 1 and changed.files_unchanged == 2
    assert changed.chunks_embedded >= 1
    texts = " ".join(p.text for p in index.search("calming your body with slow breaths", k=5))
    assert "twenty minutes" not in texts and "slow breaths" in texts

    (library / "page.html").unlink()
    removed = index.sync_folders([library])
    assert removed.files_removed == 1 and removed.chunks_embedded == 0
    assert all(p.source_id != "library/page.html" for p in index.search("repair attempt humour apology", k=10))


def test_search_returns_the_relevant_passage_with_its_source(index: KnowledgeIndex, library: Path):
    index.sync_folders([library])
    best = index.search("What is a bid for connection?", k=2)[0]
    assert best.title == "Bids for connection"
    assert best.source == "Test Author, Test Site"
    assert 0.3 < best.score <= 1.0
    unrelated = index.search("What's the capital of France?", k=1)[0]
    assert unrelated.score < best.score


def test_index_survives_reopening(tmp_path: Path, embedder, library: Path):
    first = KnowledgeIndex(make_chroma_client("embedded", tmp_path / "chroma"), embedder, collection="persist")
    first.sync_folders([library])
    reopened = KnowledgeIndex(make_chroma_client("embedded", tmp_path / "chroma"), embedder, collection="persist")
    assert reopened.count() == first.count() > 0
    assert reopened.sync_folders([library]).chunks_embedded == 0


def test_folders_with_the_same_name_do_not_collide(tmp_path: Path, library: Path):
    other = tmp_path / "elsewhere" / "library"
    other.mkdir(parents=True)
    (other / "bids.md").write_text(ARTICLE)
    ids = {a.source_id for a in collect_articles([library, other])}
    assert "library/bids.md" in ids and "library-2/bids.md" in ids


def test_registry_remembers_added_folders(tmp_path: Path, library: Path):
    registry = FolderRegistry(tmp_path / "data", configured=[])
    registry.add(library)
    assert FolderRegistry(tmp_path / "data", configured=[]).folders() == [library.resolve()]
    with pytest.raises(FileNotFoundError):
        registry.add(tmp_path / "missing")
    assert registry.remove(library) and registry.folders() == []


def test_repository_knowledge_base_has_cited_articles():
    repo_knowledge = Path(__file__).resolve().parents[2] / "knowledge"
    articles = load_articles(repo_knowledge, "knowledge")
    assert len(articles) >= 8
    for article in articles:
        assert article.title and article.source and not article.source.startswith("Your library"), article.path.name
        assert article.topics, article.path.name
