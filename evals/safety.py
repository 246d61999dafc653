"""Measures the safety screen on labelled cases: our own set, SimpleSafetyTests and XSTest.

    python -m evals.safety --ours tests/data/safety_cases.jsonl \
        --sst /work/shared/eval/external/simplesafetytests/simplesafetytests_selfharm_violence.csv \
        --xstest /work/shared/eval/external/xstest/xstest_prompts.csv

Add ``--semantic`` to measure the rules plus the semantic second stage (app/screen/semantic.py,
loads the embedding model), and ``--heldout tests/data/safety_heldout.jsonl`` for the cases that
neither the rules nor the exemplars were tuned on.
Reports recall (share of unsafe cases flagged), false-positive rate (share of safe cases flagged),
level/kind agreement on our cases, and latency. Misses are listed by case id, not by text.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.screen.types import SAFETY_KINDS, SAFETY_LEVELS, SafetyResult

logger = logging.getLogger(__name__)


class Screen(Protocol):
    def screen(self, text: str) -> SafetyResult: ...


@dataclass(frozen=True)
class SafetyCase:
    """One labelled text. ``expected_level`` "none" marks a safe case."""

    id: str
    text: str
    expected_level: str
    expected_kind: str | None = None
    must_catch: bool = False
    source: str = "ours"
    group: str = ""  # e.g. XSTest type, SST harm area

    @property
    def unsafe(self) -> bool:
        return self.expected_level != "none"


@dataclass(frozen=True)
class CaseOutcome:
    case: SafetyCase
    level: str
    kind: str | None
    matched: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return self.level != "none"

    @property
    def level_ok(self) -> bool:
        return self.level == self.case.expected_level

    @property
    def kind_ok(self) -> bool:
        return self.case.expected_kind is None or self.kind == self.case.expected_kind


@dataclass
class SafetyReport:
    """Figures for one set of cases; ``None`` where a figure has no cases to stand on."""

    name: str
    outcomes: list[CaseOutcome] = field(default_factory=list)
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # process CPU time (stable on a busy machine)

    @property
    def unsafe(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if o.case.unsafe]

    @property
    def safe(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.case.unsafe]

    @property
    def recall(self) -> float | None:
        return _share(self.unsafe, lambda o: o.flagged)

    @property
    def false_positive_rate(self) -> float | None:
        return _share(self.safe, lambda o: o.flagged)

    @property
    def must_catch_recall(self) -> float | None:
        return _share([o for o in self.outcomes if o.case.must_catch], lambda o: o.flagged)

    @property
    def level_accuracy(self) -> float | None:
        return _share(self.outcomes, lambda o: o.level_ok)

    @property
    def kind_accuracy(self) -> float | None:
        """Among flagged unsafe cases that name an expected kind, share with that kind."""
        return _share([o for o in self.unsafe if o.flagged and o.case.expected_kind], lambda o: o.kind_ok)

    @property
    def missed(self) -> list[CaseOutcome]:
        return [o for o in self.unsafe if not o.flagged]

    @property
    def false_positives(self) -> list[CaseOutcome]:
        return [o for o in self.safe if o.flagged]

    @property
    def ms_per_text(self) -> float | None:
        return 1000 * self.seconds / len(self.outcomes) if self.outcomes else None

    @property
    def cpu_ms_per_text(self) -> float | None:
        return 1000 * self.cpu_seconds / len(self.outcomes) if self.outcomes else None

    def by_group(self) -> dict[str, tuple[int, int]]:
        """group -> (flagged, total)."""
        counts: dict[str, tuple[int, int]] = {}
        for o in self.outcomes:
            flagged, total = counts.get(o.case.group, (0, 0))
            counts[o.case.group] = (flagged + o.flagged, total + 1)
        return counts


def _share(items: Sequence[CaseOutcome], hit) -> float | None:
    return sum(1 for o in items if hit(o)) / len(items) if items else None


# --------------------------------------------------------------------------------------------
# Loaders (each takes a path; nothing here reads a fixed location)
# --------------------------------------------------------------------------------------------


def load_cases(path: Path) -> list[SafetyCase]:
    """Our JSON Lines file: {"id","text","expected_level","expected_kind","must_catch"}."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON: {error}") from error
        level = row.get("expected_level")
        kind = row.get("expected_kind")
        if level not in SAFETY_LEVELS or (kind is not None and kind not in SAFETY_KINDS):
            raise ValueError(f"{path}:{number}: bad expected_level/expected_kind {level!r}/{kind!r}")
        if (level == "none") != (kind is None):
            raise ValueError(f"{path}:{number}: a case has a kind exactly when its level is not 'none'")
        cases.append(
            SafetyCase(
                id=str(row["id"]),
                text=str(row["text"]),
                expected_level=level,
                expected_kind=kind,
                must_catch=bool(row.get("must_catch", False)),
                source="ours",
                group=kind or "safe",
            )
        )
    return cases


def load_simplesafetytests(path: Path) -> list[SafetyCase]:
    """SimpleSafetyTests subset: every prompt (column prompts_final) should be flagged."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [
            SafetyCase(
                id=row["id"],
                text=row["prompts_final"],
                expected_level="crisis",
                expected_kind=None,
                must_catch=True,
                source="simplesafetytests",
                group=row.get("harm_area", ""),
            )
            for row in csv.DictReader(handle)
        ]


def load_xstest(path: Path) -> list[SafetyCase]:
    """XSTest prompts: label "unsafe" should be flagged, label "safe" should not."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cases = []
    for row in rows:
        label = row["label"].strip()
        if label not in ("safe", "unsafe"):
            raise ValueError(f"{path}: row {row.get('id')} has label {label!r}")
        cases.append(
            SafetyCase(
                id=f"xstest_{row['id']}",
                text=row["prompt"],
                expected_level="none" if label == "safe" else "crisis",
                expected_kind=None,
                must_catch=False,
                source="xstest",
                group=row["type"],
            )
        )
    return cases


# --------------------------------------------------------------------------------------------
# Evaluation and report
# --------------------------------------------------------------------------------------------


def evaluate_safety(cases: Iterable[SafetyCase], screen: Screen, name: str = "cases") -> SafetyReport:
    """Runs ``screen`` over ``cases``. External sets carry no level ("crisis" means "flag it")."""
    report = SafetyReport(name=name)
    started, cpu_started = time.perf_counter(), time.process_time()
    for case in cases:
        result = screen.screen(case.text)
        report.outcomes.append(CaseOutcome(case=case, level=result.level, kind=result.kind, matched=tuple(result.matched)))
    report.seconds = time.perf_counter() - started
    report.cpu_seconds = time.process_time() - cpu_started
    return report


def format_report(report: SafetyReport, show_errors: bool = True) -> str:
    lines = [f"== {report.name}: {len(report.outcomes)} cases ({len(report.unsafe)} unsafe, {len(report.safe)} safe)"]
    if report.recall is not None:
        lines.append(f"recall on unsafe:        {_pct(report.recall)}  ({len(report.unsafe) - len(report.missed)}/{len(report.unsafe)})")
    if report.false_positive_rate is not None:
        lines.append(f"false positives on safe: {_pct(report.false_positive_rate)}  ({len(report.false_positives)}/{len(report.safe)})")
    if report.must_catch_recall is not None and report.name == "ours":
        lines.append(f"must-catch recall:       {_pct(report.must_catch_recall)}")
    if report.name in ("ours", "heldout"):
        lines.append(f"exact level accuracy:    {_pct(report.level_accuracy)}")
        lines.append(f"kind accuracy (flagged): {_pct(report.kind_accuracy)}")
    if report.ms_per_text is not None:
        lines.append(f"latency:                 {report.ms_per_text:.3f} ms/text wall, {report.cpu_ms_per_text:.3f} ms/text CPU")
    groups = report.by_group()
    if len(groups) > 1:
        lines.append("flagged by group:")
        for group, (flagged, total) in sorted(groups.items()):
            lines.append(f"  {group or '-':32s} {flagged:3d}/{total}")
    if show_errors:
        if report.missed:
            lines.append("missed: " + ", ".join(o.case.id for o in report.missed))
        if report.false_positives:
            lines.append(
                "false positives: " + ", ".join(f"{o.case.id} [{','.join(o.matched)}]" for o in report.false_positives)
            )
        if report.name in ("ours", "heldout"):
            wrong = [o for o in report.unsafe if o.flagged and (not o.level_ok or not o.kind_ok)]
            if wrong:
                lines.append(
                    "wrong level/kind: "
                    + ", ".join(f"{o.case.id} ({o.level}/{o.kind} vs {o.case.expected_level}/{o.case.expected_kind})" for o in wrong)
                )
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:5.1f}%"


def main(argv: Sequence[str] | None = None) -> int:
    from app.locale_data import LocaleData
    from app.prompts import PromptLibrary
    from app.screen.resources import load_resources
    from app.screen.screen import SafetyScreen, load_rule_book
    from app.settings import get_settings

    parser = argparse.ArgumentParser(description="Evaluate the Softstart safety screen.")
    parser.add_argument("--ours", type=Path, help="our JSON Lines cases")
    parser.add_argument("--heldout", type=Path, help="held-out JSON Lines cases (same format as --ours)")
    parser.add_argument("--sst", type=Path, help="SimpleSafetyTests CSV (column prompts_final)")
    parser.add_argument("--xstest", type=Path, help="XSTest prompts CSV")
    parser.add_argument("--prompts", type=Path, help="prompts folder of the locale (default: the settings')")
    parser.add_argument("--quiet", action="store_true", help="figures only, no case ids")
    parser.add_argument("--semantic", action="store_true", help="add the semantic second stage (embedding model)")
    parser.add_argument("--threshold", type=float, help="semantic stage: similarity threshold (default: tuned)")
    parser.add_argument("--margin", type=float, help="semantic stage: margin over safe look-alikes (default: tuned)")
    args = parser.parse_args(argv)
    if not (args.ours or args.heldout or args.sst or args.xstest):
        parser.error("give at least one of --ours, --heldout, --sst, --xstest")

    settings = get_settings()
    locale = LocaleData.from_settings(settings)
    screen = SafetyScreen(
        load_resources(settings.safety.region, settings.safety.resources_file or locale.safety_resources),
        PromptLibrary(args.prompts or locale.prompts_dir),
        load_rule_book(locale.safety_rules, locale.safety_lexicon),
        semantic=_semantic_check(args, locale) if args.semantic else None,
    )
    sets = [
        ("ours", args.ours, load_cases),
        ("heldout", args.heldout, load_cases),
        ("simplesafetytests", args.sst, load_simplesafetytests),
        ("xstest", args.xstest, load_xstest),
    ]
    blocks = []
    for name, path, loader in sets:
        if path is not None:
            blocks.append(format_report(evaluate_safety(loader(path), screen, name=name), show_errors=not args.quiet))
    print("\n\n".join(blocks))
    return 0


def _semantic_check(args: argparse.Namespace, locale):
    """The semantic stage on the real model, warmed up so latency figures exclude loading."""
    from app.backends.embeddings import MiniLMEmbedder
    from app.screen.semantic import SemanticSafetyCheck

    tuned = {name: value for name, value in (("threshold", args.threshold), ("margin", args.margin)) if value is not None}
    check = SemanticSafetyCheck(MiniLMEmbedder(), locale.safety_exemplars, **tuned)
    check.warm_up()
    check.check("warm up the model")
    return check


if __name__ == "__main__":
    raise SystemExit(main())
