"""What the benchmarks send: the labelled messages and the relevance questions of tests/data.

Real traffic rarely repeats a text word for word, and the embedder keeps the vectors of recent
texts, so when a list has to repeat its texts the repeats are made distinct (" (2)", " (3)" ...).
"""

from __future__ import annotations

import json
from itertools import cycle, islice
from pathlib import Path

TEST_DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def distinct(texts: list[str]) -> list[str]:
    """The texts, with a number added to each repeat so that no two are the same."""
    seen: dict[str, int] = {}
    out = []
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def warm_up(texts: list[str], count: int = 20) -> list[str]:
    """Texts for warming up that differ from every measured one."""
    return [f"{text} (warm-up)" for text in texts[:count]]


def messages(count: int | None = None) -> list[str]:
    """Messages of tests/data/messages.jsonl in file order, repeated (made distinct) to reach ``count``."""
    texts = [json.loads(line)["text"] for line in (TEST_DATA / "messages.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts if count is None else distinct(list(islice(cycle(texts), count)))


def harsh_messages(count: int) -> list[str]:
    """Messages labelled as needing a rewrite (the ones an LLM gets to draft)."""
    rows = [json.loads(line) for line in (TEST_DATA / "messages.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return distinct(list(islice(cycle([row["text"] for row in rows if row.get("needs_rewrite")]), count)))


def questions(count: int, *, off_topic_every: int = 5) -> list[str]:
    """On-topic questions with an off-topic one every ``off_topic_every`` (as real traffic might have)."""
    data = json.loads((TEST_DATA / "relevance_questions.json").read_text(encoding="utf-8"))
    on, off = cycle(data["on_topic"]), cycle(data["off_topic"])
    return distinct([next(off) if off_topic_every and (n + 1) % off_topic_every == 0 else next(on) for n in range(count)])
