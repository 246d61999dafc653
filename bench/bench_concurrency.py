"""Benchmark 4: throughput and tail latency with 1, 8 and 32 concurrent clients over HTTP (loopback).

    python -m bench.bench_concurrency [--clients 1 8 32] [--workers 2] [--requests 200] [--llamacpp-requests 32] [--skip-llamacpp]

The no-LLM service runs under uvicorn with ``--workers`` processes (the README recommends one per
core, with the index built beforehand and ``SOFTSTART_BUILD_INDEX_ON_START=false``); every level
sends ``--requests`` POST /v1/rewrite and POST /v1/ask bodies from N keep-alive clients (asyncio +
aiohttp, in this process, on the same two cores). Rate limits are off: every request comes from
127.0.0.1. Errors (non-200 answers, failed connections) must be zero.

Then the in-process llama.cpp backend (1 worker; each worker would load its own model copy): one
llama.cpp context serves one generation at a time (``app/backends/llm/llamacpp_chat.py`` holds a lock), so
concurrent rewrites queue. The cost shows as latency growing with the number of clients while
throughput stays flat, and as drafts that waited past the drafter's 30 s time-out and fell back to
our composer (``engine.fallback``).
"""

from __future__ import annotations

import argparse

from bench import workload
from bench.httpload import run_load
from bench.report import Report
from bench.servers import AppServer
from bench.stats import summarise_seconds
from bench.workspace import DEFAULT_ROOT, prepared_data_dir, server_env


def fresh(bodies: list[dict], tag: str) -> list[dict]:
    """The bodies with ``tag`` added to their text: texts the server has not seen (nor cached vectors of)."""
    return [{key: f"{value} ({tag})" for key, value in body.items()} for body in bodies]


def level(report: Report, server: AppServer, backend: str, workers: int, path: str, bodies: list[dict], clients: int, deadline_s: float) -> None:
    bodies = fresh(bodies, f"{backend} {workers}w {clients}c")
    result = run_load(server.base_url, path, bodies, clients=clients, deadline_s=deadline_s)
    summary = summarise_seconds(result.latencies)
    report.row(
        backend=backend, workers=workers, endpoint=path, clients=clients, requests=len(result.latencies),
        throughput_rps=round(result.throughput, 1), median_ms=summary["median_ms"], p95_ms=summary["p95_ms"],
        max_ms=summary["max_ms"], errors=result.failed, fallbacks=result.fallbacks,
    )
    for error in result.errors[:3]:
        report.note(f"{path} x{clients}: {error}")
    if len(result.latencies) < len(bodies):
        report.note(f"{path} x{clients}: stopped at the {deadline_s:.0f} s bound after {len(result.latencies)} of {len(bodies)} requests")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--workers", type=int, nargs="*", default=[2])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--llamacpp-requests", type=int, default=32)
    parser.add_argument("--llamacpp-max-tokens", type=int, default=64)
    parser.add_argument("--skip-llamacpp", action="store_true")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds at most per level")
    args = parser.parse_args(argv)
    report = Report("bench_concurrency", "Throughput and tail latency under concurrent clients (HTTP, loopback)")
    data_dir = prepared_data_dir()
    rewrites = [{"message": text} for text in workload.messages(args.requests)]
    asks = [{"question": question} for question in workload.questions(args.requests)]

    for workers in args.workers:
        env = server_env(data_dir, build_index_on_start="false")
        with AppServer(env, workers=workers, log_path=DEFAULT_ROOT / "logs" / f"concurrency-none-{workers}.log") as server:
            server.wait_ready()
            run_load(server.base_url, "/v1/rewrite", fresh(rewrites[:20], "warm-up"), clients=workers * 2)  # warm every worker
            run_load(server.base_url, "/v1/ask", fresh(asks[:20], "warm-up"), clients=workers * 2)
            for clients in args.clients:
                level(report, server, "none", workers, "/v1/rewrite", rewrites, clients, args.deadline)
                level(report, server, "none", workers, "/v1/ask", asks, clients, args.deadline)

    if not args.skip_llamacpp:
        env = server_env(data_dir, build_index_on_start="false", llm__backend="llamacpp", llm__temperature="0", llm__max_tokens=str(args.llamacpp_max_tokens))
        report.note(f"llamacpp series: SOFTSTART_LLM__MAX_TOKENS={args.llamacpp_max_tokens} to keep the run bounded; the drafter's time-out is 30 s")
        drafts = [{"message": text} for text in workload.harsh_messages(args.llamacpp_requests)]
        with AppServer(env, workers=1, log_path=DEFAULT_ROOT / "logs" / "concurrency-llamacpp.log") as server:
            server.wait_ready()
            run_load(server.base_url, "/v1/rewrite", fresh(drafts[:2], "warm-up"), clients=1)
            for clients in args.clients:
                count = min(args.llamacpp_requests, max(clients, 4))
                level(report, server, "llamacpp", 1, "/v1/rewrite", drafts[:count], clients, max(args.deadline, 300.0))
    report.note("target: zero errors at 32 concurrent clients")
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
