"""Benchmark 1: rewrite latency of the no-LLM engine, in-process and over HTTP; the analyzer alone.

    python -m bench.bench_rewrite [--messages 287] [--rounds 1]

Messages come from tests/data/messages.jsonl (287 of them: harsh, gentle, withdrawing, other
languages). In-process means the work the route does (safety screen, then ``Rewriter.rewrite``);
over HTTP means POST /v1/rewrite to a real uvicorn (1 worker) on loopback, one request at a time on
a keep-alive connection. Each series is warmed up on 20 messages first.
"""

from __future__ import annotations

import argparse
import time
from contextlib import nullcontext

from bench import workload
from bench.embedcount import CountingEmbeddings, forget_cached_vectors
from bench.httpload import SequentialClient
from bench.report import Report
from bench.servers import AppServer
from bench.stats import summarise_seconds
from bench.workspace import DEFAULT_ROOT, bench_settings, prepared_data_dir, server_env

WARM_UP = 20


def time_each(texts: list[str], work, counter=None) -> list[float]:
    """Seconds per text, after a warm-up on other texts; ``counter`` (a context) wraps the measured part."""
    for text in workload.warm_up(texts, WARM_UP):
        work(text)
    samples = []
    with counter if counter is not None else nullcontext():
        for text in texts:
            started = time.perf_counter()
            work(text)
            samples.append(time.perf_counter() - started)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed-cache", type=int, default=None, help="in-process series: embedder cache size (0 = off; default: the app's)")
    parser.add_argument("--messages", type=int, default=287, help="how many messages per series (cycled; at least 200 for the record)")
    args = parser.parse_args(argv)
    suffix = "" if args.embed_cache is None else f"_cache{args.embed_cache}"
    report = Report(f"bench_rewrite{suffix}", "Rewrite latency, no-LLM engine" + (f" (in-process embedder cache {args.embed_cache})" if suffix else ""), module="bench_rewrite")
    texts = workload.messages(args.messages)

    from app.detect import analyzer
    from app.services import build_services

    from app.backends.embeddings import MiniLMEmbedder

    data_dir = prepared_data_dir()
    embedder = MiniLMEmbedder() if args.embed_cache is None else MiniLMEmbedder(cache_size=args.embed_cache)
    services = build_services(bench_settings(data_dir), embedder=embedder)
    report.note(f"in-process embedder cache: {getattr(embedder, 'cache_size', 'none')}")

    samples = time_each(texts, analyzer.analyze)
    report.row(series="analyzer alone (app.detect.analyzer.analyze)", **summarise_seconds(samples))

    def route_work(text: str) -> None:
        screened = services.safety.screen(text)
        if not screened.blocks_coaching:
            services.rewriter.rewrite(text)

    forget_cached_vectors(services.embedder)
    counted = CountingEmbeddings(services.embedder)
    samples = time_each(texts, route_work, counted)
    report.row(series="in-process (safety screen + Rewriter.rewrite)", **summarise_seconds(samples), **counted.per_request(len(texts)))

    with AppServer(server_env(data_dir), workers=1, log_path=DEFAULT_ROOT / "logs" / "rewrite-server.log") as server:
        server.wait_ready()
        client = SequentialClient(server.base_url)
        statuses: dict[int, int] = {}

        def over_http(text: str) -> None:
            status, _, _ = client.post_json("/v1/rewrite", {"message": text})
            statuses[status] = statuses.get(status, 0) + 1

        samples = time_each(texts, over_http)
        client.close()
        report.row(series="over HTTP (POST /v1/rewrite, uvicorn 1 worker, loopback)", **summarise_seconds(samples), statuses=statuses)
    report.note("target: no-LLM rewrite over HTTP median < 25 ms")
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
