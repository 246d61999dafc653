"""Benchmark 6: index build throughput (chunks per second) and incremental re-index of an unchanged corpus.

    python -m bench.bench_index [--synthetic-chunks 1000]

Builds, from nothing, an embedded Chroma index of (a) the real knowledge base and (b) a folder of
synthetic Markdown articles written from the real ones' sentences (about ``--synthetic-chunks``
chunks, all embedded for real with all-MiniLM-L6-v2), through ``KnowledgeIndex.sync_folders`` as
``softstart index`` does; then syncs each again unchanged (nothing to embed: reading the
collection's metadata and hashing the files) and after touching one file.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import time
from pathlib import Path

from bench.report import Report
from bench.servers import REPO_ROOT
from bench.workspace import DEFAULT_ROOT, quiet_offline

CHUNK_SIZE = 900


def write_synthetic_articles(folder: Path, chunks: int, seed: int = 11) -> None:
    """Markdown articles of about 8 chunks each, sentences drawn from the real articles."""
    sentences = []
    for path in sorted((REPO_ROOT / "knowledge").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(body.split())) if len(s.strip()) > 20 and not s.startswith("#")]
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for article in range((chunks + 7) // 8):
        parts = [f"---\ntitle: \"Synthetic article {article}\"\nsource: \"synthetic corpus (bench)\"\ntopics: [bench]\n---\n# Synthetic article {article}\n"]
        for section in range(8):
            parts.append(f"\n## Section {section}\n\n" + " ".join(rng.choice(sentences) for _ in range(7)) + "\n")
        (folder / f"article-{article:04d}.md").write_text("".join(parts), encoding="utf-8")


def build_and_resync(report: Report, label: str, folder: Path, workdir: Path, embedder) -> None:
    from app.backends.vector_index import KnowledgeIndex, make_chroma_client

    index_dir = workdir / "chroma"
    shutil.rmtree(index_dir, ignore_errors=True)
    index = KnowledgeIndex(make_chroma_client("embedded", index_dir), embedder, collection="bench")
    started = time.perf_counter()
    built = index.sync_folders([folder])
    build_s = time.perf_counter() - started
    report.row(corpus=label, step="full build", files=built.files_seen, chunks_embedded=built.chunks_embedded, seconds=round(build_s, 2),
               chunks_per_s=round(built.chunks_embedded / build_s, 1))
    started = time.perf_counter()
    again = index.sync_folders([folder])
    report.row(corpus=label, step="re-index, unchanged", files=again.files_seen, chunks_embedded=again.chunks_embedded,
               seconds=round(time.perf_counter() - started, 3), chunks_per_s="")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-chunks", type=int, default=1000)
    args = parser.parse_args(argv)
    quiet_offline()
    report = Report("bench_index", "Index build throughput and incremental re-index")

    from app.backends.embeddings import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])
    workdir = DEFAULT_ROOT / "index-bench"
    shutil.rmtree(workdir, ignore_errors=True)
    build_and_resync(report, "real knowledge base", REPO_ROOT / "knowledge", workdir / "real", embedder)
    if args.synthetic_chunks:
        folder = workdir / "synthetic-articles"
        write_synthetic_articles(folder, args.synthetic_chunks)
        build_and_resync(report, f"synthetic (~{args.synthetic_chunks} chunks)", folder, workdir / "synthetic", embedder)
    shutil.rmtree(workdir, ignore_errors=True)
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
