"""Evaluation of the conflict analyzer on our labelled messages and on an external toxic/civil set.

    python -m evals.analyzer [--messages tests/data/messages.jsonl]
                                          [--paradetox /path/to/derived_you_directed.csv]

Labelled rows are JSON objects: ``id``, ``text``, ``category``, ``expected_kinds``, ``move``,
``needs_rewrite`` and optionally ``language_supported`` (default true).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from app.detect.lexicon import FLAG_KINDS
from app.detect.types import Analysis

Analyze = Callable[[str], Analysis]

DEFAULT_MESSAGES_PATH = Path("tests") / "data" / "messages.jsonl"  # from the checkout (the current directory)
REQUIRED_FIELDS = ("id", "text", "category", "expected_kinds", "move", "needs_rewrite")


@dataclass(frozen=True)
class KindScore:
    kind: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Miss:
    """One labelled message where the analyzer disagreed with the label (our own data, not user text)."""

    id: str
    category: str
    expected_kinds: tuple[str, ...]
    predicted_kinds: tuple[str, ...]
    expected_move: str
    predicted_move: str


@dataclass(frozen=True)
class AnalyzerReport:
    messages: int
    kinds: Mapping[str, KindScore]
    harsh_accuracy: float
    harsh_precision: float
    harsh_recall: float
    harsh_f1: float
    move_accuracy: float
    kind_messages_flagged: int  # messages labelled with no harsh kind that got a flag (must be 0)
    kind_messages_flagged_ids: tuple[str, ...]
    language_accuracy: float
    mean_ms_per_message: float
    misses: tuple[Miss, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ParadetoxReport:
    pairs: int
    toxic_flagged_share: float  # recall: toxic comments flagged harsh
    civil_unflagged_share: float  # specificity: civil rewrites left unflagged


def load_labelled_messages(path: str | Path) -> list[dict]:
    rows: list[dict] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [name for name in REQUIRED_FIELDS if name not in row]
            if missing:
                raise ValueError(f"{path}:{number}: missing fields {missing}")
            row.setdefault("language_supported", True)
            rows.append(row)
    return rows


def load_paradetox_you_directed(path: str | Path) -> list[dict]:
    """Rows of the ParaDetox-derived CSV (columns ID, toxic_comment, civil_comment)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            {"id": row["ID"], "toxic": row["toxic_comment"], "civil": row["civil_comment"]}
            for row in csv.DictReader(handle)
            if row.get("toxic_comment") and row.get("civil_comment")
        ]


def _default_analyze() -> Analyze:
    from app.detect.analyzer import analyze

    return analyze


def _safe_div(a: float, b: float) -> float:
    return a / b if b else 0.0


def evaluate_analyzer(rows: Sequence[Mapping], analyze: Analyze | None = None) -> AnalyzerReport:
    analyze = analyze or _default_analyze()
    counts = {kind: [0, 0, 0] for kind in FLAG_KINDS}  # tp, fp, fn
    harsh_tp = harsh_fp = harsh_fn = harsh_tn = 0
    move_right = language_right = 0
    flagged_kind_ids: list[str] = []
    misses: list[Miss] = []
    elapsed = 0.0
    analyze("")  # load the lexicon before timing
    for row in rows:
        started = time.perf_counter()
        analysis = analyze(row["text"])
        elapsed += time.perf_counter() - started
        expected = set(row["expected_kinds"])
        predicted = {flag.kind for flag in analysis.flags}
        for kind in FLAG_KINDS:
            if kind in predicted and kind in expected:
                counts[kind][0] += 1
            elif kind in predicted:
                counts[kind][1] += 1
            elif kind in expected:
                counts[kind][2] += 1
        truly_harsh, said_harsh = bool(expected), bool(predicted)
        harsh_tp += truly_harsh and said_harsh
        harsh_fp += said_harsh and not truly_harsh
        harsh_fn += truly_harsh and not said_harsh
        harsh_tn += not truly_harsh and not said_harsh
        if said_harsh and not truly_harsh:
            flagged_kind_ids.append(row["id"])
        move_right += analysis.move == row["move"]
        language_right += analysis.language_supported == bool(row.get("language_supported", True))
        if predicted != expected or analysis.move != row["move"]:
            misses.append(
                Miss(
                    id=row["id"],
                    category=row["category"],
                    expected_kinds=tuple(sorted(expected)),
                    predicted_kinds=tuple(sorted(predicted)),
                    expected_move=row["move"],
                    predicted_move=analysis.move,
                )
            )
    n = len(rows)
    precision = _safe_div(harsh_tp, harsh_tp + harsh_fp)
    recall = _safe_div(harsh_tp, harsh_tp + harsh_fn)
    return AnalyzerReport(
        messages=n,
        kinds={kind: KindScore(kind, *counts[kind]) for kind in FLAG_KINDS},
        harsh_accuracy=_safe_div(harsh_tp + harsh_tn, n),
        harsh_precision=precision,
        harsh_recall=recall,
        harsh_f1=_safe_div(2 * precision * recall, precision + recall),
        move_accuracy=_safe_div(move_right, n),
        kind_messages_flagged=len(flagged_kind_ids),
        kind_messages_flagged_ids=tuple(flagged_kind_ids),
        language_accuracy=_safe_div(language_right, n),
        mean_ms_per_message=_safe_div(elapsed * 1000, n),
        misses=tuple(misses),
    )


def evaluate_paradetox(pairs: Iterable[Mapping], analyze: Analyze | None = None) -> ParadetoxReport:
    analyze = analyze or _default_analyze()
    pairs = list(pairs)
    toxic_flagged = sum(1 for pair in pairs if analyze(pair["toxic"]).flags)
    civil_clean = sum(1 for pair in pairs if not analyze(pair["civil"]).flags)
    return ParadetoxReport(
        pairs=len(pairs),
        toxic_flagged_share=_safe_div(toxic_flagged, len(pairs)),
        civil_unflagged_share=_safe_div(civil_clean, len(pairs)),
    )


def format_report(report: AnalyzerReport | ParadetoxReport, show_misses: bool = False) -> str:
    if isinstance(report, ParadetoxReport):
        return (
            f"ParaDetox you-directed pairs: {report.pairs}\n"
            f"  toxic flagged harsh (recall):      {report.toxic_flagged_share:.3f}\n"
            f"  civil left unflagged (specificity): {report.civil_unflagged_share:.3f}"
        )
    lines = [
        f"Labelled messages: {report.messages}",
        f"  harsh vs not: accuracy {report.harsh_accuracy:.3f}  precision {report.harsh_precision:.3f}  "
        f"recall {report.harsh_recall:.3f}  F1 {report.harsh_f1:.3f}",
        f"  move accuracy: {report.move_accuracy:.3f}",
        f"  kind/neutral messages flagged: {report.kind_messages_flagged}"
        + (f" ({', '.join(report.kind_messages_flagged_ids)})" if report.kind_messages_flagged_ids else ""),
        f"  language detection accuracy: {report.language_accuracy:.3f}",
        f"  mean time per message: {report.mean_ms_per_message:.3f} ms",
        "  per kind:            precision  recall     F1  support",
    ]
    for kind, score in report.kinds.items():
        lines.append(
            f"    {kind:<16} {score.precision:>9.3f} {score.recall:>7.3f} {score.f1:>6.3f} {score.support:>8d}"
        )
    if show_misses and report.misses:
        lines.append("  disagreements (id, category, expected -> predicted kinds, expected -> predicted move):")
        for miss in report.misses:
            lines.append(
                f"    {miss.id} [{miss.category}] {list(miss.expected_kinds)} -> {list(miss.predicted_kinds)}; "
                f"{miss.expected_move} -> {miss.predicted_move}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=Path, default=DEFAULT_MESSAGES_PATH)
    parser.add_argument("--paradetox", type=Path, default=None)
    parser.add_argument("--misses", action="store_true", help="list the labelled messages the analyzer got wrong")
    args = parser.parse_args(argv)
    print(format_report(evaluate_analyzer(load_labelled_messages(args.messages)), show_misses=args.misses))
    if args.paradetox is not None:
        print(format_report(evaluate_paradetox(load_paradetox_you_directed(args.paradetox))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
