"""The writer's training pairs: import, validation, prompts and the train/held-out split.

The pairs live in ``data/pairs/*.jsonl`` (one JSON object per line, the format of the corpus's PAIRS.md).
Each imported line keeps its provenance ("writer", "batch", "id") and gains "source" (the file it came from).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

KINDS = ("softstart", "break", "defensive", "mixed", "reply")
REQUIRED = ("id", "kind", "message", "rewrite")

# One prompt prefix per kind: the reply pairs get a different one, so the model tells "rewrite my words"
# from "answer my partner's words".
PROMPTS = {
    "softstart": "Rewrite as a soft start-up:\n{message}\nSoft start-up:",
    "break": "Rewrite as a calm break:\n{message}\nCalm break:",
    "defensive": "Rewrite without defensiveness:\n{message}\nOwning a part:",
    "mixed": "Rewrite the harsh part gently:\n{message}\nGentle version:",
    "reply": "My partner wrote:\n{message}\nA warm reply from me:",
}


def prompt_for(message: str, kind: str) -> str:
    """The text the model continues (kind defaults to a soft start-up)."""
    template = PROMPTS.get(kind, PROMPTS["softstart"])
    return template.format(message=" ".join(message.split()))


@dataclass(frozen=True)
class Pair:
    id: str
    kind: str
    message: str
    rewrite: str
    specifics: tuple[str, ...] = ()
    source: str = ""

    @property
    def prompt(self) -> str:
        return prompt_for(self.message, self.kind)

    @property
    def target(self) -> str:
        return " " + " ".join(self.rewrite.split())


def validate_line(obj: dict) -> list[str]:
    """Why a pair line is unusable ([] when it is fine)."""
    problems = [f"missing {key}" for key in REQUIRED if not isinstance(obj.get(key), str) or not obj.get(key).strip()]
    if problems:
        return problems
    if obj["kind"] not in KINDS:
        problems.append(f"unknown kind {obj['kind']!r}")
    if len(obj["rewrite"]) > 900 or len(obj["message"]) > 1500:
        problems.append("too long")
    specifics = obj.get("specifics", [])
    if not isinstance(specifics, list):
        problems.append("specifics is not a list")
    return problems


def import_pairs(sources: list[Path], dest: Path) -> dict:
    """Copy the valid lines of the corpus's pair files into ``dest`` (one output file per source folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    report: dict = {"kept": 0, "dropped": [], "files": {}}
    seen: set[str] = set()
    for folder in sources:
        out_lines = []
        for path in sorted(Path(folder).glob("part-*.jsonl")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                where = f"{Path(folder).name}/{path.name}:{n}"
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    report["dropped"].append((where, "not JSON"))
                    continue
                problems = validate_line(obj)
                if not problems and obj["id"] in seen:
                    problems = ["duplicate id"]
                if problems:
                    report["dropped"].append((where, "; ".join(problems)))
                    continue
                seen.add(obj["id"])
                obj["source"] = f"corpus/{Path(folder).name}/{path.name}"
                out_lines.append(json.dumps(obj, ensure_ascii=False))
        out = dest / f"{Path(folder).name}.jsonl"
        out.write_text("\n".join(out_lines) + "\n", encoding="utf-8")
        report["files"][out.name] = len(out_lines)
        report["kept"] += len(out_lines)
    return report


def pair_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.jsonl"))


def pairs_sha256(folder: Path) -> str:
    """One hash over every pair file (name and bytes), in name order."""
    digest = hashlib.sha256()
    for path in pair_files(folder):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_pairs(folder: Path) -> list[Pair]:
    pairs = []
    for path in pair_files(folder):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            if validate_line(obj):
                continue
            pairs.append(Pair(obj["id"], obj["kind"], obj["message"], obj["rewrite"], tuple(obj.get("specifics") or ()), obj.get("source", path.name)))
    return pairs


def split(pairs: list[Pair], held_out: float = 0.05, seed: int = 13) -> tuple[list[Pair], list[Pair]]:
    """A seeded shuffle, then the first ``held_out`` share is kept back for early stopping."""
    order = list(pairs)
    random.Random(seed).shuffle(order)
    n_held = max(1, round(len(order) * held_out))
    return order[n_held:], order[:n_held]
