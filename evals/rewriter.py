"""How well the rewriter does on a labelled set: checks passed, meaning kept, gentle texts left alone.

    python -m evals.rewriter                       # tests/data/messages.jsonl
    python -m evals.rewriter --csv PATH --column toxic_comment

Rows are dicts with ``text`` and optionally ``needs_rewrite`` (default True: a CSV of
toxic comments is all harsh) and ``category``. The report holds no message text.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

log = logging.getLogger(__name__)

DEFAULT_DATASET = Path("tests") / "data" / "messages.jsonl"  # from the checkout (the current directory)


@dataclass(frozen=True)
class RowFailure:
    index: int
    category: str | None
    problem: str  # "not rewritten", "changed a gentle message" or the failed checks


@dataclass(frozen=True)
class RewriterReport:
    source: str
    rows: int
    harsh: int
    harsh_rewritten: int  # harsh rows the rewriter changed
    harsh_passing: int  # harsh rows changed by a rewrite that passes every check
    mean_similarity: float | None  # rewrite <-> original, over harsh rows rewritten
    min_similarity: float | None
    gentle: int
    gentle_changed: int
    similarity_floor: float
    seconds: float
    failures: list[RowFailure] = field(default_factory=list)
    failed_checks: dict[str, int] = field(default_factory=dict)  # first words of each failed check -> count

    @property
    def pass_rate(self) -> float:
        return self.harsh_passing / self.harsh if self.harsh else 1.0


def load_jsonl(path: Path) -> list[dict]:
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def load_csv(path: Path, column: str = "toxic_comment") -> list[dict]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [
            {"text": row[column], "needs_rewrite": True, "category": "csv"}
            for row in csv.DictReader(handle)
            if (row.get(column) or "").strip()
        ]


def evaluate_rewriter(rows: Iterable[Mapping], rewriter, *, source: str = "rows", embedder=None) -> RewriterReport:
    """Rewrite every row and count what passed; ``rewriter`` is an ``app.rewrite.rewriter.Rewriter``.

    Meaning kept is the embedding similarity of each rewrite to its message: the check's own figure
    when it measured one (a model's draft), else measured here with ``embedder`` (our composed
    rewrites are not embedded while serving).
    """
    started = time.perf_counter()
    rows = list(rows)
    harsh = rewritten = passing = gentle = gentle_changed = 0
    similarities: list[float] = []
    failures: list[RowFailure] = []
    failed_checks: Counter[str] = Counter()
    for index, row in enumerate(rows):
        needs_rewrite = bool(row.get("needs_rewrite", True))
        category = row.get("category")
        result = rewriter.rewrite(row["text"])
        if not needs_rewrite:
            gentle += 1
            if not result.unchanged:
                gentle_changed += 1
                failures.append(RowFailure(index, category, "changed a gentle message"))
            continue
        harsh += 1
        if result.unchanged:
            failures.append(RowFailure(index, category, "not rewritten (no flags found)"))
            continue
        rewritten += 1
        if result.check.similarity is not None:
            similarities.append(result.check.similarity)
        elif embedder is not None:
            original, rewrite = embedder.embed([result.original, result.rewrite])
            similarities.append(float(sum(x * y for x, y in zip(original, rewrite))))
        if result.check.passed:
            passing += 1
        else:
            failures.append(RowFailure(index, category, "; ".join(result.check.reasons)))
            failed_checks.update(reason.split(":")[0] for reason in result.check.reasons)
    return RewriterReport(
        source=source,
        rows=len(rows),
        harsh=harsh,
        harsh_rewritten=rewritten,
        harsh_passing=passing,
        mean_similarity=statistics.fmean(similarities) if similarities else None,
        min_similarity=min(similarities) if similarities else None,
        gentle=gentle,
        gentle_changed=gentle_changed,
        similarity_floor=rewriter.similarity_floor,
        seconds=time.perf_counter() - started,
        failures=failures,
        failed_checks=dict(failed_checks),
    )


def format_report(report: RewriterReport) -> str:
    def number(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"Rewriter evaluation on {report.source}: {report.rows} rows in {report.seconds:.1f}s",
        f"  harsh messages:            {report.harsh}",
        f"  rewritten:                 {report.harsh_rewritten}",
        f"  rewrite passes all checks: {report.harsh_passing} ({report.pass_rate:.1%} of harsh; target >= 95%;"
        f" {report.harsh_passing}/{report.harsh_rewritten} of those rewritten)",
        f"  meaning kept (similarity): mean {number(report.mean_similarity)}, min {number(report.min_similarity)}"
        f" (rewrite vs original; the topic floor {report.similarity_floor:.2f} applies to the better of this"
        f" and similarity to our own rewrite)",
        f"  gentle messages:           {report.gentle}, changed {report.gentle_changed} (target 0)",
    ]
    if report.failed_checks:
        lines.append("  failed checks: " + ", ".join(f"{k} x{v}" for k, v in sorted(report.failed_checks.items())))
    for failure in report.failures[:20]:
        lines.append(f"  - row {failure.index} [{failure.category or '-'}]: {failure.problem}")
    if len(report.failures) > 20:
        lines.append(f"  ... and {len(report.failures) - 20} more")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsonl", type=Path, default=None, help="labelled messages (text, needs_rewrite, ...)")
    parser.add_argument("--csv", type=Path, default=None, help="a CSV of harsh messages")
    parser.add_argument("--column", default="toxic_comment", help="the CSV column holding the text")
    args = parser.parse_args(argv)

    from app.rewrite.rewriter import Rewriter
    from app.backends.embeddings import MiniLMEmbedder
    from app.locale_data import LocaleData
    from app.prompts import PromptLibrary
    from app.settings import get_settings

    settings = get_settings()
    locale = LocaleData.from_settings(settings)
    embedder = MiniLMEmbedder(settings.embedding_model_path)
    rewriter = Rewriter(embedder=embedder, prompts=PromptLibrary(locale.prompts_dir), locale=locale)
    sources = []
    if args.csv:
        sources.append((str(args.csv), load_csv(args.csv, args.column)))
    if args.jsonl or not args.csv:
        path = args.jsonl or DEFAULT_DATASET
        sources.append((str(path), load_jsonl(path)))
    for name, rows in sources:
        print(format_report(evaluate_rewriter(rows, rewriter, source=name, embedder=embedder)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
