"""The Chroma index of knowledge chunks: building it incrementally and searching it.

Each chunk carries the content hash of its file, so re-indexing an unchanged corpus embeds
nothing; a changed file's chunks are replaced and a removed file's chunks deleted.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import chromadb
from chromadb.config import Settings as ChromaClientSettings
from langchain_chroma import Chroma
from langchain_text_splitters import RecursiveCharacterTextSplitter

from app.knowledge.articles import Article, load_articles
from app.backends.embeddings import MiniLMEmbedder
from app.knowledge.sentences import pack_vectors, quotable_sentences

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]  # (done, total) chunks embedded

# How chunks are made and embedded; a chunk written under another format is embedded again on the next sync.
# 2: the embedded text starts with the article and section titles.
# 3: each chunk's quotable sentences are embedded too (metadata "sentence_vectors").
# 4: headings, bold lead-ins and sentences about the article itself are no longer quotable.
CHUNK_FORMAT = 4


def contextual_text(title: str, section: str, text: str) -> str:
    """What a chunk is embedded (and ranked lexically) as: its article and section titles, then its text."""
    heading = title if not section or section == title else f"{title}: {section}"
    return f"{heading}\n{text}"


class IndexUnavailable(RuntimeError):
    """The vector store cannot be opened or read (missing server, corrupt files)."""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with the metadata we cite it by."""

    chunk_id: str
    text: str
    title: str
    source: str
    source_id: str
    section: str
    score: float  # cosine similarity to the query, -1..1
    excerpt: str = ""  # the sentences an answer took from it, clean text (set by the composer)
    sentence_vectors: str = field(default="", repr=False, compare=False)  # packed vectors of its quotable sentences
    sentence_count: int = field(default=0, repr=False, compare=False)


@dataclass(frozen=True)
class IndexReport:
    files_seen: int
    files_added: int
    files_updated: int
    files_removed: int
    files_unchanged: int
    chunks_embedded: int
    chunks_total: int

    @property
    def changed(self) -> bool:
        return bool(self.files_added or self.files_updated or self.files_removed)


def make_chroma_client(mode: str, path: Path, host: str = "127.0.0.1", port: int = 8001) -> chromadb.ClientAPI:
    client_settings = ChromaClientSettings(anonymized_telemetry=False, allow_reset=False)
    match mode:
        case "embedded":
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            return chromadb.PersistentClient(path=str(path), settings=client_settings)
        case "http":
            return chromadb.HttpClient(host=host, port=port, settings=client_settings)
        case _:
            raise ValueError(f"vector store mode {mode!r} is not supported. Available: embedded, http")


def _section_of(chunk: str, article_text: str, start: int) -> str:
    """The nearest Markdown heading at or before the chunk's start."""
    heading = ""
    for line in article_text[: max(start, 0) + 1].splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
    first = chunk.lstrip().splitlines()[0] if chunk.strip() else ""
    if first.startswith("#"):
        heading = first.lstrip("#").strip()
    return heading


class KnowledgeIndex:
    """A persistent Chroma collection of article chunks, embedded with all-MiniLM-L6-v2."""

    def __init__(
        self,
        client: chromadb.ClientAPI,
        embedder: MiniLMEmbedder,
        *,
        collection: str = "softstart",
        chunk_size: int = 900,
        chunk_overlap: int = 120,
    ):
        self.embedder = embedder
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            separators=["\n## ", "\n### ", "\n\n", "\n", ". ", " ", ""],
            add_start_index=True,
        )
        try:
            self.store = Chroma(
                collection_name=collection,
                embedding_function=embedder,
                client=client,
                collection_metadata={"hnsw:space": "cosine"},
            )
        except Exception as exc:  # chromadb raises many kinds on a broken store
            raise IndexUnavailable(f"cannot open the vector store collection {collection!r}: {exc}") from exc

    # ---- building -------------------------------------------------------------------------
    def chunk(self, article: Article) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) for each chunk of an article."""
        documents = self.splitter.create_documents([article.text])
        chunks = []
        for number, document in enumerate(documents):
            text = document.page_content.strip()
            if len(text) < 20:
                continue
            start = document.metadata.get("start_index", 0)
            chunk_id = hashlib.sha1(f"{article.source_id}#{number}".encode()).hexdigest()
            metadata = {
                "source_id": article.source_id,
                "title": article.title,
                "source": article.source,
                "topics": ", ".join(article.topics),
                "section": _section_of(text, article.text, start),
                "file_hash": article.content_hash,
                "chunk_format": CHUNK_FORMAT,
                "chunk": number,
                **article.extra,
            }
            chunks.append((chunk_id, text, metadata))
        return chunks

    def indexed_files(self) -> dict[str, tuple[str, list[str]]]:
        """source_id -> (file hash, chunk ids) of what the collection holds now."""
        try:
            held = self.store.get(include=["metadatas"])
        except Exception as exc:
            raise IndexUnavailable(f"cannot read the vector store: {exc}") from exc
        files: dict[str, tuple[str, list[str]]] = {}
        for chunk_id, metadata in zip(held["ids"], held["metadatas"]):
            metadata = metadata or {}
            source_id = metadata.get("source_id", "?")
            current = metadata.get("chunk_format") == CHUNK_FORMAT
            file_hash, ids = files.get(source_id, (metadata.get("file_hash", "") if current else "stale-format", []))
            ids.append(chunk_id)
            files[source_id] = (file_hash, ids)
        return files

    def sync(self, articles: Sequence[Article], progress: ProgressCallback | None = None, batch_size: int = 64) -> IndexReport:
        """Make the collection hold exactly these articles; embed only new or changed ones."""
        held = self.indexed_files()
        wanted = {article.source_id: article for article in articles}
        removed = [source_id for source_id in held if source_id not in wanted]
        to_embed: list[Article] = []
        added = updated = unchanged = 0
        for source_id, article in wanted.items():
            if source_id not in held:
                added += 1
                to_embed.append(article)
            elif held[source_id][0] != article.content_hash:
                updated += 1
                removed.append(source_id)
                to_embed.append(article)
            else:
                unchanged += 1
        stale_ids = [chunk_id for source_id in removed for chunk_id in held[source_id][1]]
        if stale_ids:
            self.store.delete(ids=stale_ids)
        chunks = [chunk for article in to_embed for chunk in self.chunk(article)]
        total = len(chunks)
        if progress:
            progress(0, total)
        for start in range(0, total, batch_size):
            batch = chunks[start : start + batch_size]
            contexts = [contextual_text(m["title"], m["section"], text) for _, text, m in batch]
            sentences = [[s for _, s in quotable_sentences(text, m["title"], m["section"])] for _, text, m in batch]
            vectors = self.embedder.embed(contexts + [s for group in sentences for s in group])
            chunk_vectors, sentence_vectors = vectors[: len(batch)], vectors[len(batch):]
            metadatas = []
            for (_, _, metadata), group in zip(batch, sentences):
                mine, sentence_vectors = sentence_vectors[: len(group)], sentence_vectors[len(group):]
                metadatas.append({**metadata, "sentence_count": len(group), "sentence_vectors": pack_vectors(mine)})
            self.store._collection.upsert(
                ids=[chunk_id for chunk_id, _, _ in batch],
                documents=[text for _, text, _ in batch],
                metadatas=metadatas,
                embeddings=chunk_vectors,
            )
            if progress:
                progress(min(start + batch_size, total), total)
        files_removed = len([s for s in removed if s not in wanted])
        report = IndexReport(
            files_seen=len(wanted),
            files_added=added,
            files_updated=updated,
            files_removed=files_removed,
            files_unchanged=unchanged,
            chunks_embedded=total,
            chunks_total=self.count(),
        )
        log.info("index sync: %s", report)
        return report

    def sync_folders(self, folders: Iterable[Path], progress: ProgressCallback | None = None) -> IndexReport:
        return self.sync(collect_articles(folders), progress=progress)

    # ---- reading --------------------------------------------------------------------------
    def count(self) -> int:
        try:
            return self.store._collection.count()
        except Exception as exc:
            raise IndexUnavailable(f"cannot read the vector store: {exc}") from exc

    def search(self, query: str, k: int = 4, *, query_vector: list[float] | None = None) -> list[Passage]:
        """The ``k`` chunks nearest to the query (dense retrieval), best first."""
        vector = query_vector if query_vector is not None else self.embedder.embed_query(query)
        try:
            found = self.store._collection.query(query_embeddings=[vector], n_results=k, include=["documents", "metadatas", "distances"])
        except Exception as exc:
            raise IndexUnavailable(f"cannot search the vector store: {exc}") from exc
        return [
            _passage(chunk_id, text, metadata, 1.0 - float(distance))
            for chunk_id, text, metadata, distance in zip(found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0])
        ]

    def get(self, chunk_ids: Sequence[str], query_vector: Sequence[float] | None = None) -> list[Passage]:
        """These chunks (in this order), scored by cosine to ``query_vector`` when given (else 0)."""
        if not chunk_ids:
            return []
        try:
            found = self.store._collection.get(ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"])
        except Exception as exc:
            raise IndexUnavailable(f"cannot read the vector store: {exc}") from exc
        by_id = {}
        for chunk_id, text, metadata, vector in zip(found["ids"], found["documents"], found["metadatas"], found["embeddings"]):
            score = float(sum(a * b for a, b in zip(query_vector, vector))) if query_vector is not None else 0.0
            by_id[chunk_id] = _passage(chunk_id, text, metadata, score)
        return [by_id[chunk_id] for chunk_id in chunk_ids if chunk_id in by_id]

    def all_chunks(self, batch: int = 5000) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of every chunk, for the lexical index."""
        chunks: list[tuple[str, str, dict]] = []
        try:
            total = self.count()
            for offset in range(0, total, batch):
                held = self.store._collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
                chunks.extend(zip(held["ids"], held["documents"], [m or {} for m in held["metadatas"]]))
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"cannot read the vector store: {exc}") from exc
        return chunks


def _passage(chunk_id: str, text: str, metadata: dict | None, score: float) -> Passage:
    metadata = metadata or {}
    return Passage(
        chunk_id=str(chunk_id),
        text=text or "",
        title=str(metadata.get("title", "Untitled")),
        source=str(metadata.get("source", "unknown")),
        source_id=str(metadata.get("source_id", "")),
        section=str(metadata.get("section", "")),
        score=round(score, 4),
        sentence_vectors=str(metadata.get("sentence_vectors", "")),
        sentence_count=int(metadata.get("sentence_count", 0) or 0),
    )


def folders_by_label(folders: Iterable[Path]) -> dict[str, Path]:
    """Each knowledge folder under the label its source_ids start with: the folder's name, with
    "-2", "-3"… for later folders of the same name, so two folders named alike don't collide."""
    labelled: dict[str, Path] = {}
    for folder in folders:
        folder = Path(folder).resolve()
        label = folder.name or "library"
        suffix = 2
        while label in labelled:
            label = f"{folder.name}-{suffix}"
            suffix += 1
        labelled[label] = folder
    return labelled


def collect_articles(folders: Iterable[Path]) -> list[Article]:
    """Articles of every folder, each folder under its label."""
    articles: list[Article] = []
    for label, folder in folders_by_label(folders).items():
        articles.extend(load_articles(folder, label))
    return articles
