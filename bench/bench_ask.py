"""Benchmark 2: ask latency and retrieval alone, as the corpus grows.

    python -m bench.bench_ask [--questions 200] [--sizes 1000 10000] [--vectors perturbed] [--no-http]

For the real knowledge base, then synthetic corpora of each size (see ``bench/corpus.py`` for how
the synthetic chunks and their vectors are made): retrieval alone is the answerer's retrieval passes,
``HybridRetriever.retrieve`` (embedding the question, the Chroma HNSW query, the BM25 query over the
expanded question and the fusion); ask in-process is the route's work (safety
screen + ``Answerer.answer`` with the no-LLM composer); ask over HTTP is POST /v1/ask to a real
uvicorn (1 worker, index not re-synced at start) on loopback, one request at a time. Questions are
tests/data/relevance_questions.json, one in five off-topic.
"""

from __future__ import annotations

import argparse
import shutil
import time
from contextlib import nullcontext

from bench import corpus, workload
from bench.embedcount import CountingEmbeddings, forget_cached_vectors
from bench.httpload import SequentialClient
from bench.report import Report
from bench.servers import AppServer
from bench.stats import summarise_seconds
from bench.workspace import DEFAULT_ROOT, bench_settings, prepared_data_dir, server_env

WARM_UP = 20


def timed(items, work, counter=None) -> list[float]:
    """Seconds per item, after a warm-up on other items; ``counter`` (a context) wraps the measured part."""
    for item in workload.warm_up(items, WARM_UP):
        work(item)
    samples = []
    with counter if counter is not None else nullcontext():
        for item in items:
            started = time.perf_counter()
            work(item)
            samples.append(time.perf_counter() - started)
    return samples


def measure(report: Report, label: str, data_dir, services, questions: list[str], http: bool) -> dict:
    index, answerer, safety = services.index, services.answerer, services.safety
    figures = {}
    forget_cached_vectors(services.embedder)
    counted = CountingEmbeddings(services.embedder)
    retrieval = summarise_seconds(timed(questions, answerer.retriever.retrieve, counted))
    report.row(corpus=label, chunks=index.count(), series="retrieval alone (HybridRetriever.retrieve: dense + BM25 + fusion)", **retrieval, **counted.per_request(len(questions)))

    def route_work(question: str) -> None:
        if not safety.screen(question).blocks_coaching:
            answerer.answer(question)

    forget_cached_vectors(services.embedder)
    counted = CountingEmbeddings(services.embedder)
    in_process = summarise_seconds(timed(questions, route_work, counted))
    report.row(corpus=label, chunks=index.count(), series="ask in-process (screen + Answerer.answer)", **in_process, **counted.per_request(len(questions)))
    figures.update(retrieval=retrieval, in_process=in_process)
    if http:
        env = server_env(data_dir, build_index_on_start="false")
        with AppServer(env, workers=1, log_path=DEFAULT_ROOT / "logs" / f"ask-{label}.log") as server:
            server.wait_ready()
            client = SequentialClient(server.base_url)
            statuses: dict[int, int] = {}

            def over_http(question: str) -> None:
                status, _, _ = client.post_json("/v1/ask", {"question": question})
                statuses[status] = statuses.get(status, 0) + 1

            over = summarise_seconds(timed(questions, over_http))
            client.close()
        report.row(corpus=label, chunks=index.count(), series="ask over HTTP (POST /v1/ask, 1 worker)", **over, statuses=statuses)
        figures["http"] = over
        ratio = over["median_ms"] / retrieval["median_ms"]
        report.note(f"{label}: ask over HTTP median {over['median_ms']:.1f} ms = {ratio:.2f}x its retrieval passes ({retrieval['median_ms']:.1f} ms); target <= 1.5x ({'met' if ratio <= 1.5 else 'missed'})")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed-cache", type=int, default=None, help="in-process series: embedder cache size (0 = off; default: the app's)")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--vectors", choices=corpus.VECTOR_KINDS, default="perturbed")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP series")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the synthetic corpora even if present")
    args = parser.parse_args(argv)
    suffix = "" if args.embed_cache is None else f"_cache{args.embed_cache}"
    report = Report(f"bench_ask{suffix}", "Ask latency and retrieval alone as the corpus grows" + (f" (in-process embedder cache {args.embed_cache})" if suffix else ""), module="bench_ask")
    questions = workload.questions(args.questions)

    from app.backends.embeddings import MiniLMEmbedder
    from app.services import build_services, open_index

    embedder = MiniLMEmbedder() if args.embed_cache is None else MiniLMEmbedder(cache_size=args.embed_cache)
    report.note(f"in-process embedder cache: {getattr(embedder, 'cache_size', 'none')}")
    real_dir = prepared_data_dir(embedder=embedder)
    real_services = build_services(bench_settings(real_dir, build_index_on_start=False), embedder=embedder)
    baseline = measure(report, "real knowledge base", real_dir, real_services, questions, not args.no_http)
    real_chunks = corpus.read_chunks(real_services.index)

    for size in args.sizes:
        data_dir = corpus.corpus_dir(DEFAULT_ROOT, size, args.vectors)
        settings = bench_settings(data_dir, build_index_on_start=False)
        if args.rebuild and data_dir.exists():
            shutil.rmtree(data_dir)
        if not data_dir.exists() or open_index(settings, embedder).count() != size:
            shutil.rmtree(data_dir, ignore_errors=True)
            data_dir.mkdir(parents=True, mode=0o700)
            filled = corpus.fill_collection(open_index(settings, embedder), real_chunks, size, kind=args.vectors, embedder=embedder)
            report.note(f"built the {size}-chunk corpus ({args.vectors} vectors): {filled}")
        services = build_services(settings, embedder=embedder)
        figures = measure(report, f"synthetic {size} ({args.vectors})", data_dir, services, questions, not args.no_http)
        for series in figures:
            ratio = figures[series]["median_ms"] / baseline[series]["median_ms"]
            report.note(f"{size} chunks, {series}: median {ratio:.2f}x the real knowledge base")
    report.note("targets: ask median < 80 ms at the real corpus, < 2x that at 10,000 chunks; ask over HTTP <= 1.5x its retrieval passes at each size")
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
