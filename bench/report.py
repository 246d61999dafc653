"""Printing a benchmark's figures (a Markdown table) and keeping them as JSON in bench/results/."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

from bench.machine import describe, machine_facts

RESULTS_DIR = Path(__file__).resolve().parent / "results"


class Report:
    """Rows of figures for one benchmark run, printed as they come and saved at the end."""

    def __init__(self, name: str, title: str, *, module: str | None = None):
        self.name = name
        self.title = title
        self.command = f"python -m bench.{module or name} " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        self.machine_before = machine_facts()
        self.rows: list[dict] = []
        self.notes: list[str] = []
        self.started = time.time()
        print(f"## {title}\n\ncommand: `{self.command.strip()}`\nmachine: {describe(self.machine_before)}\n", flush=True)

    def row(self, **figures) -> dict:
        self.rows.append(figures)
        print("  " + ", ".join(f"{key}={value}" for key, value in figures.items()), flush=True)
        return figures

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def table(self) -> str:
        if not self.rows:
            return ""
        columns: list[str] = []
        for row in self.rows:
            columns.extend(key for key in row if key not in columns)
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for row in self.rows:
            lines.append("| " + " | ".join(str(row.get(column, "")) for column in columns) + " |")
        return "\n".join(lines)

    def save(self) -> Path:
        machine_after = machine_facts()
        print("\n" + self.table(), flush=True)
        print(f"\nload average after: {machine_after['load_average']}; took {time.time() - self.started:.0f} s\n", flush=True)
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.json"
        path.write_text(
            json.dumps(
                {
                    "name": self.name,
                    "title": self.title,
                    "command": self.command.strip(),
                    "machine_before": self.machine_before,
                    "load_average_after": machine_after["load_average"],
                    "finished_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "rows": self.rows,
                    "notes": self.notes,
                },
                indent=2,
            )
            + "\n"
        )
        return path
