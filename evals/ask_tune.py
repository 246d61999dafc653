"""``softstart eval ask --tune``: cross-validated retrieval settings, printed as settings to set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evals.ask import DEFAULT_QUESTIONS, load_questions, report
from app.answer.tuning import cross_validate
from app.knowledge.hybrid import COVERAGE_FEATURES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cross-validate the retrieval settings on a labelled question set.")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    if "blind" in args.questions.name:
        print("refusing to tune on a blind set", file=sys.stderr)
        return 2
    from app.services import build_services
    from app.settings import Settings

    services = build_services(Settings())
    if services.answerer is None:
        print(f"the knowledge index is not ready: {services.index_status.detail}", file=sys.stderr)
        return 2
    final, held_out, choices = cross_validate(services.answerer, load_questions(args.questions), folds=args.folds)
    print(f"Held-out figures over {args.folds} folds (each fold's settings chosen on the other folds):")
    report(held_out)
    print("\nEach fold's choice:")
    for number, choice in enumerate(choices, start=1):
        p = choice.params
        print(f"  fold {number}: {choice.weights} rrf_k={p.rrf_k} dense={p.dense_weight} lexical={p.lexical_weight} passages={p.passages} threshold={p.min_dense} sentence={p.min_sentence} coverage={list(p.coverage)}")
    p = final.params
    print("\nChosen on all questions (set these):")
    print(f"  SOFTSTART_RETRIEVAL__COVERAGE='{list(p.coverage)}'  (weights of {', '.join(COVERAGE_FEATURES)}, then the bias)")
    print(f"  SOFTSTART_RELEVANCE_THRESHOLD={p.min_dense}  (used only without a coverage model)")
    print(f"  SOFTSTART_RETRIEVAL__MIN_SENTENCE={p.min_sentence}")
    print(f"  SOFTSTART_RETRIEVAL__RRF_K={p.rrf_k}")
    print(f"  SOFTSTART_RETRIEVAL__DENSE_WEIGHT={p.dense_weight}")
    print(f"  SOFTSTART_RETRIEVAL__LEXICAL_WEIGHT={p.lexical_weight}")
    print(f"  SOFTSTART_RETRIEVAL__PASSAGES={p.passages}")
    w = final.weights
    print(f"  SOFTSTART_ANSWER__OVERLAP={w.overlap} SOFTSTART_ANSWER__FORM={w.form} SOFTSTART_ANSWER__RANK={w.rank} SOFTSTART_ANSWER__SUPPORT_RATIO={w.support_ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
