"""Benchmark: /v1/rewrite with the trained model engines over HTTP, against one embedding pass of the
same message measured in the same run (issue 12's target: median rewrite <= 1.5 x one embedding pass);
errors at 32 concurrent clients; start-up time.

    python -m bench.bench_models [--messages 200]

The embedding pass is the heads' embedder in this process, cache off, one message per call, so it is
the least any request that reads the message with the model can cost.
"""

from __future__ import annotations

import argparse
import time

from bench import workload
from bench.httpload import SequentialClient, run_load
from bench.report import Report
from bench.servers import AppServer
from bench.stats import summarise_seconds
from bench.workspace import DEFAULT_ROOT, bench_settings, prepared_data_dir, server_env

WARM_UP = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args(argv)
    report = Report("bench_models", "Model engines: /v1/rewrite over HTTP vs one embedding pass", module="bench_models")
    texts = workload.messages(args.messages)

    from app.backends.embeddings import MiniLMEmbedder
    from app.models.build import embedder_path

    data_dir = prepared_data_dir()
    settings = bench_settings(data_dir)
    embedder = MiniLMEmbedder(embedder_path(settings), threads=settings.embedding_threads, cache_size=0)
    for text in workload.warm_up(texts, WARM_UP):
        embedder.embed([text])

    started = time.perf_counter()
    with AppServer(server_env(data_dir), workers=1, log_path=DEFAULT_ROOT / "logs" / "models-server.log") as server:
        server.wait_ready()
        startup_s = time.perf_counter() - started
        client = SequentialClient(server.base_url)
        ready = client.connection
        ready.request("GET", "/readyz")
        readiness = ready.getresponse().read().decode()
        for text in workload.warm_up(texts, WARM_UP):
            client.post_json("/v1/rewrite", {"message": text})
            embedder.embed([text])
        http_s, embed_s, statuses = [], [], {}
        for text in texts:  # interleaved, so both see the same machine load
            status, body, seconds = client.post_json("/v1/rewrite", {"message": text})
            statuses[status] = statuses.get(status, 0) + 1
            http_s.append(seconds)
            t0 = time.perf_counter()
            embedder.embed([text])
            embed_s.append(time.perf_counter() - t0)
        client.close()
        load = run_load(server.base_url, "/v1/rewrite", [{"message": t} for t in texts], clients=args.clients)

    http = summarise_seconds(http_s)
    embed = summarise_seconds(embed_s)
    report.row(series="POST /v1/rewrite over HTTP (uvicorn 1 worker, loopback, one at a time)", **http, statuses=statuses)
    report.row(series=f"one embedding pass of the same message ({settings.models.embedder_name}, cache off)", **embed)
    ratio = http["median_ms"] / embed["median_ms"] if embed.get("median_ms") else float("nan")
    report.note(f"median ratio rewrite/embedding: {ratio:.2f} (target <= 1.5)")
    errors = len(load.errors) + sum(n for s, n in load.statuses.items() if s >= 500)
    report.note(f"{args.clients} concurrent clients: {len(load.latencies)} answered, statuses {load.statuses}, errors {errors}")
    report.note(f"start-up to /readyz: {startup_s:.1f}s; readyz: {readiness[:300]}")
    report.save()
    print(report.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
