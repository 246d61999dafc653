"""The facts about the machine a figure was measured on (cores, memory, CPU model, load)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def load_average() -> tuple[float, float, float]:
    return tuple(round(x, 2) for x in os.getloadavg())  # type: ignore[return-value]


def machine_facts() -> dict:
    return {
        "nproc": os.cpu_count(),
        "memory_gib": memory_gib(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "load_average": load_average(),
    }


def describe(facts: dict) -> str:
    one, five, fifteen = facts["load_average"]
    return (
        f"{facts['nproc']} cores, {facts['memory_gib']} GiB, {facts['cpu']}, Python {facts['python']}, "
        f"load average {one} / {five} / {fifteen}"
    )
