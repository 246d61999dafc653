"""The labelled corpus: one schema for every line, strict loading, near-duplicate removal, import.

A bad line (not JSON, a field or label the schema does not know, a duplicate id) raises
``CorpusError`` naming the file, the line number and the reason; nothing is half-loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.models.labels import (
    DIRECTION_OF_SAFETY,
    Context,
    Direction,
    HarshKind,
    IntentLabel,
    LanguageCode,
    Level,
    MoveLabel,
    SafetyLabel,
    SpeakerLabel,
)

ID_RE = r"^[A-Za-z0-9_]+-\d{4,}$"


class CorpusLine(BaseModel):
    """One labelled message, exactly as ``SCHEMA.md`` defines it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=ID_RE)
    text: str = Field(min_length=1, max_length=4000)
    lang: LanguageCode = "en"
    context: Context
    harsh: bool
    kinds: tuple[HarshKind, ...] = ()
    move: MoveLabel
    safety: SafetyLabel
    direction: Direction
    subkind: str = ""
    level: Level
    intent: IntentLabel | None = None
    speaker: SpeakerLabel = "none"
    topic: str = ""
    register_: str = Field("", alias="register")
    writer: str = Field(min_length=1)
    batch: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _empty_intent(cls, data):
        if isinstance(data, dict) and data.get("intent") == "":
            data = {**data, "intent": None}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "CorpusLine":
        if not self.text.strip():
            raise ValueError("text is blank")
        if not self.harsh and self.kinds:
            raise ValueError("kinds given for a message that is not harsh")
        if self.direction != DIRECTION_OF_SAFETY[self.safety]:
            raise ValueError(f"direction {self.direction!r} does not fit safety {self.safety!r}")
        if (self.safety == "none") != (self.level == "none"):
            raise ValueError(f"level {self.level!r} does not fit safety {self.safety!r}")
        if self.context == "to_coach" and self.intent is None:
            raise ValueError("a to_coach line needs an intent")
        if self.context == "to_partner" and (self.intent is not None or self.speaker != "none"):
            raise ValueError("intent and speaker are only for to_coach lines")
        return self


class CorpusError(ValueError):
    """A corpus line that cannot be used: ``file:line: reason``."""

    def __init__(self, path: Path | str, line: int, reason: str):
        self.path, self.line, self.reason = str(path), line, reason
        super().__init__(f"{path}:{line}: {reason}")


def _reason(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "line"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def read_lines(paths: Iterable[Path]) -> list[CorpusLine]:
    """Every line of every file, validated; the first bad line or duplicate id raises ``CorpusError``."""
    lines: list[CorpusLine] = []
    seen: dict[str, tuple[Path, int]] = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    data = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise CorpusError(path, number, f"not JSON: {exc.msg}") from None
                if not isinstance(data, dict):
                    raise CorpusError(path, number, "not a JSON object")
                try:
                    line = CorpusLine.model_validate(data)
                except ValidationError as exc:
                    raise CorpusError(path, number, _reason(exc)) from None
                if line.id in seen:
                    first, first_line = seen[line.id]
                    raise CorpusError(path, number, f"duplicate id {line.id} (first at {first}:{first_line})")
                seen[line.id] = (path, number)
                lines.append(line)
    return lines


def corpus_files(folder: Path) -> list[Path]:
    """The JSONL files under ``folder``, in a stable order."""
    return sorted(p for p in Path(folder).rglob("*.jsonl") if p.is_file())


def load_corpus(folder: Path) -> list[CorpusLine]:
    files = corpus_files(folder)
    if not files:
        raise CorpusError(folder, 0, "no .jsonl files")
    return read_lines(files)


# ------------------------------------------------------------------------------- near-duplicates
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _shingles(text: str, size: int = 3) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset({" ".join(words)})
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


@dataclass(frozen=True)
class Dedup:
    kept: list[CorpusLine]
    dropped: list[tuple[CorpusLine, CorpusLine]]  # (dropped, the kept line it repeats)


def remove_near_duplicates(lines: Sequence[CorpusLine], threshold: float = 0.7) -> Dedup:
    """Keeps the first of each group of lines whose word 3-gram sets overlap by ``threshold`` (Jaccard)
    or whose letters and digits are identical (case, punctuation and spacing ignored)."""
    kept: list[CorpusLine] = []
    dropped: list[tuple[CorpusLine, CorpusLine]] = []
    by_key: dict[str, CorpusLine] = {}
    index: dict[str, list[int]] = defaultdict(list)
    shingles: list[frozenset[str]] = []
    for line in lines:
        key = "".join(_WORD.findall(line.text.lower()))
        if key in by_key:
            dropped.append((line, by_key[key]))
            continue
        mine = _shingles(line.text)
        candidates: dict[int, int] = defaultdict(int)
        for shingle in mine:
            for other in index.get(shingle, ()):
                candidates[other] += 1
        twin = None
        for other, common in candidates.items():
            union = len(mine) + len(shingles[other]) - common
            if union and common / union >= threshold:
                twin = kept[other]
                break
        if twin is not None:
            dropped.append((line, twin))
            continue
        position = len(kept)
        kept.append(line)
        shingles.append(mine)
        by_key[key] = line
        for shingle in mine:
            index[shingle].append(position)
    return Dedup(kept, dropped)


# ------------------------------------------------------------------------------- writing and hashing
def dump_line(line: CorpusLine) -> str:
    data = line.model_dump(mode="json", by_alias=True)
    data["intent"] = data["intent"] or ""
    data["kinds"] = list(data["kinds"])
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def write_corpus(lines: Sequence[CorpusLine], folder: Path) -> list[Path]:
    """One ``<batch>.jsonl`` per batch under ``folder`` (old files there are replaced)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.jsonl"):
        old.unlink()
    by_batch: dict[str, list[CorpusLine]] = defaultdict(list)
    for line in lines:
        by_batch[line.batch].append(line)
    written = []
    for batch in sorted(by_batch):
        path = folder / f"{batch}.jsonl"
        path.write_text("".join(dump_line(line) + "\n" for line in sorted(by_batch[batch], key=lambda l: l.id)), encoding="utf-8")
        written.append(path)
    return written


def corpus_sha256(folder: Path) -> str:
    """One hash over the corpus files' names and bytes, in order (what a manifest records)."""
    digest = hashlib.sha256()
    for path in corpus_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def import_corpus(source: Path, target: Path, *, threshold: float = 0.7, include: str = "*") -> tuple[list[CorpusLine], Dedup]:
    """Validates every line of ``source/<batch>/**/*.jsonl`` for the batch folders matching ``include``,
    drops near-duplicates, writes ``target``. Folders and files starting with ``_`` or ``.`` are skipped."""
    files = sorted(
        p for folder in Path(source).glob(include) if folder.is_dir() for p in folder.rglob("*.jsonl")
        if p.is_file() and not any(part.startswith(("_", ".")) for part in p.relative_to(source).parts)
    )
    if not files:
        raise CorpusError(source, 0, "no .jsonl files")
    lines = read_lines(files)
    dedup = remove_near_duplicates(lines, threshold)
    write_corpus(dedup.kept, target)
    return lines, dedup
