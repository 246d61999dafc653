"""Benchmark 5: start-up time (index present) and peak memory of the serving process, per backend.

    python -m bench.bench_startup [--starts 3] [--backends none llamacpp]

Start-up: a new ``uvicorn app.main:create_app --factory`` process (1 worker) over a data directory
whose index is already built, timed from the spawn until GET /readyz answers 200 (imports,
opening the index and checking it against the articles, the database, the LLM), then the first
POST /v1/ask after that (the embedding model loads on first use). "Cold" here means a new process; the OS file cache is warm (we cannot drop it on a shared
machine). Memory: the process's peak RSS (VmHWM) right after start-up and after a mixed load of
rewrites, questions and chat turns.
"""

from __future__ import annotations

import argparse
import json
import statistics
import urllib.request

from bench import workload
from bench.httpload import SequentialClient
from bench.report import Report
from bench.servers import AppServer, current_rss_mib, peak_rss_mib
from bench.workspace import DEFAULT_ROOT, prepared_data_dir, server_env

TRAFFIC = {"none": (40, 40, 4), "llamacpp": (3, 3, 2)}  # rewrites, questions, chat turns


def exercise(server: AppServer, backend: str) -> dict:
    rewrites, questions, turns = TRAFFIC[backend]
    client = SequentialClient(server.base_url)
    statuses: dict[int, int] = {}
    for text in workload.harsh_messages(rewrites):
        status, _, _ = client.post_json("/v1/rewrite", {"message": text})
        statuses[status] = statuses.get(status, 0) + 1
    for question in workload.questions(questions):
        status, _, _ = client.post_json("/v1/ask", {"question": question})
        statuses[status] = statuses.get(status, 0) + 1
    request = urllib.request.Request(server.base_url + "/v1/sessions", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        created = json.loads(response.read())
    for text in workload.messages(turns):
        status, _, _ = client.post_json(f"/v1/sessions/{created['id']}/messages", {"text": text}, {"authorization": f"Bearer {created['token']}"})
        statuses[status] = statuses.get(status, 0) + 1
    client.close()
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--backends", nargs="*", default=["none", "llamacpp"])
    args = parser.parse_args(argv)
    report = Report("bench_startup", "Start-up time and peak memory of the serving process")
    data_dir = prepared_data_dir()
    for backend in args.backends:
        env = server_env(data_dir, build_index_on_start="true", llm__backend=backend)
        if backend == "llamacpp":
            env["SOFTSTART_LLM__TEMPERATURE"] = "0"
        starts, ready_rss, peak, first_request = [], [], [], []
        statuses: dict = {}
        for number in range(args.starts):
            with AppServer(env, workers=1, log_path=DEFAULT_ROOT / "logs" / f"startup-{backend}-{number}.log") as server:
                starts.append(server.wait_ready())
                ready_rss.append(current_rss_mib(server.pid))
                client = SequentialClient(server.base_url)
                first_request.append(client.post_json("/v1/ask", {"question": "What is a soft start-up?"})[2])
                client.close()
                if number == 0:
                    statuses = exercise(server, backend)
                    peak.append(peak_rss_mib(server.pid))
        report.row(
            backend=backend, starts=len(starts), startup_median_s=round(statistics.median(starts), 2),
            startup_min_s=round(min(starts), 2), startup_max_s=round(max(starts), 2),
            first_ask_after_ready_s=round(statistics.median(first_request), 2),
            rss_when_ready_mib=round(statistics.median(ready_rss)), peak_rss_after_load_mib=peak[0], traffic_statuses=statuses,
        )
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
