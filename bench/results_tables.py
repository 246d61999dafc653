"""Prints the figures kept in bench/results/*.json as Markdown (for bench/RESULTS.md).

    python -m bench.results_tables [NAME ...]
"""

from __future__ import annotations

import json
import sys

from bench.machine import describe
from bench.report import RESULTS_DIR

ORDER = [
    "bench_rewrite", "bench_rewrite_before_fix", "bench_rewrite_cache0", "bench_ask", "bench_ask_cache0", "bench_llamacpp",
    "bench_concurrency", "bench_startup", "bench_index", "bench_embedding",
    "load_test_sqlite", "load_test_sqlite_kill", "load_test_postgresql_kill",
]


def section(data: dict) -> str:
    rows = data["rows"]
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    lines = [
        f"### {data['title']}",
        "",
        f"Command: `{data['command']}` (finished {data['finished_at']})  ",
        f"Machine: {describe(data['machine_before'])}; load average after: {' / '.join(map(str, data['load_average_after']))}",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(column, "")).replace("|", "/") for column in columns) + " |")
    if data["notes"]:
        lines += ["", *[f"- {note}" for note in data["notes"]]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or ORDER
    for name in names:
        path = RESULTS_DIR / f"{name}.json"
        if path.exists():
            print(section(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
