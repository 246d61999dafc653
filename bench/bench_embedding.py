"""Profile aid: all-MiniLM-L6-v2 latency by torch thread count and batch size.

    python -m bench.bench_embedding [--repeat 30] [--threads 1 2]

Every rewrite and question embeds a few short texts, so this is the unit cost under the
rewrite and ask figures. Each thread count runs in its own process (torch fixes its thread pool
at the first use). Wall and CPU time are both reported: CPU time much above wall time x threads
means threads spin waiting for each other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from bench.report import Report
from bench.servers import QUIET_ENV

TEXT = "I feel lonely when I don't hear from you in the evening. Could we plan a short call tonight?"
BATCHES = (1, 2, 9, 32)


def measure_here(threads: int, repeat: int) -> list[dict]:
    import torch

    torch.set_num_threads(threads)
    from app.backends.embeddings import MiniLMEmbedder

    embedder = MiniLMEmbedder(threads=threads, cache_size=0)  # every pass runs the model
    embedder.embed(["warm up"] * 4)
    rows = []
    for batch in BATCHES:
        texts = [f"{TEXT} ({n})" for n in range(batch)]
        embedder.embed(texts)
        walls, cpu_started = [], time.process_time()
        for _ in range(repeat):
            started = time.perf_counter()
            embedder.embed(texts)
            walls.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu_started) / repeat
        walls.sort()
        rows.append({"torch_threads": threads, "texts": batch, "median_wall_ms": round(walls[len(walls) // 2] * 1000, 1),
                     "cpu_ms": round(cpu * 1000, 1), "ms_per_text": round(walls[len(walls) // 2] * 1000 / batch, 1)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_here(args.child, args.repeat)))
        return 0
    report = Report("bench_embedding", "Embedding latency by torch threads and batch size")
    for threads in args.threads:
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_embedding", "--child", str(threads), "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=True, env={**os.environ, **QUIET_ENV},
        )
        for row in json.loads(out.stdout.strip().splitlines()[-1]):
            report.row(**row)
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
