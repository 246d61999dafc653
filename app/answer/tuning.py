"""Cross-validated choice of the retrieval settings (``softstart eval ask --tune``).

Each question's candidates (dense and BM25 rankings) are computed once; every setting is then tried
on them. For each of k folds, the fusion setting and the coverage threshold are chosen on the other
folds and measured on the held-out one; the figures printed are those held-out ones. The setting
finally recommended is the one chosen on all questions. Never run this on the blind set.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from typing import Sequence

from app.answer.composer import ComposerWeights
from evals.ask import LabelledQuestion, Outcome, figures, judge
from app.answer.service import Answerer
from app.knowledge.hybrid import Candidates, Retrieval, RetrievalParams, fuse, is_relevant
from app.knowledge.hybrid import Candidates, Retrieval, RetrievalParams, coverage_features, fuse, is_relevant

FUSIONS = [
    dict(rrf_k=k, dense_weight=d, lexical_weight=l, passages=p)
    for k, (d, l), p in itertools.product([10, 60], [(1.0, 0.0), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0)], [4, 6])
]
WEIGHTS = [
    ComposerWeights(overlap=o, form=f, rank=r, support_ratio=s)
    for o, f, r, s in itertools.product([0.0, 0.15, 0.3], [0.1, 0.25], [0.0, 0.15, 0.3], [0.6, 0.8])
]
# the coverage model's regularisation and the weight of an out-of-scope question against an in-scope one
COVERAGE_GRID = [(c, w) for c in (0.3, 1.0, 10.0) for w in (1.0, 2.0, 3.0, 4.0)]
OUT_OF_SCOPE_COST = 2.0  # answering an out-of-scope question costs twice declining an in-scope one
THRESHOLDS = [(round(0.18 + 0.02 * i, 2), round(0.30 + 0.02 * j, 2)) for i in range(12) for j in range(14)]  # (min_dense, min_sentence)


@dataclass(frozen=True)
class Choice:
    params: RetrievalParams
    weights: ComposerWeights
    fusion_score: float
    threshold_errors: float


def _fusion_table(answerer: Answerer, items: Sequence[LabelledQuestion], found: Sequence[Candidates], base: RetrievalParams) -> dict[int, dict[int, Outcome]]:
    """For each fusion setting, the outcome of each in-scope question as if it were covered
    (the coverage threshold is chosen apart, on the candidates alone)."""
    table: dict[tuple[int, int], dict[int, Outcome]] = {}
    saved = answerer.composer.weights
    try:
        for number, fusion in enumerate(FUSIONS):
            params = replace(base, **fusion)
            fused = {i: Retrieval(fuse(found[i], params)[: params.passages], True, found[i]) for i, item in enumerate(items) if item.in_scope}
            for w, weights in enumerate(WEIGHTS):
                answerer.composer.weights = weights
                table[number, w] = {i: judge(items[i], answerer.answer_from(items[i].question, retrieval)) for i, retrieval in fused.items()}
    finally:
        answerer.composer.weights = saved
    return table


def _threshold_errors(items: Sequence[LabelledQuestion], found: Sequence[Candidates], indices: Sequence[int], params: RetrievalParams) -> float:
    """Out-of-scope questions answered weigh five times an in-scope one declined."""
    errors = 0.0
    for i in indices:
        covered = is_relevant(found[i], params)
        if items[i].in_scope and not covered:
            errors += 1
        elif not items[i].in_scope and covered:
            errors += 5
    return errors


def choose(items: Sequence[LabelledQuestion], found: Sequence[Candidates], indices: Sequence[int], base: RetrievalParams, table) -> Choice:
    best, best_score = (0, 0), -1.0
    for key, outcomes_by_item in table.items():
        measured = figures([outcomes_by_item[i] for i in indices if i in outcomes_by_item])
        score = measured["right_article"] + measured["key_fact"]
        if score > best_score + 1e-9:
            best, best_score = key, score
    params = replace(base, **FUSIONS[best[0]])
    errors = {t: _threshold_errors(items, found, indices, replace(params, min_dense=t[0], min_sentence=t[1])) for t in THRESHOLDS}
    fewest = min(errors.values())
    tied = [t for t, e in errors.items() if e == fewest]
    # the middle of the best band (by each threshold in turn) leaves margin on both sides
    dense = sorted({t[0] for t in tied})[len({t[0] for t in tied}) // 2]
    sentence_options = sorted(t[1] for t in tied if t[0] == dense)
    sentence = sentence_options[len(sentence_options) // 2]
    params = replace(params, min_dense=dense, min_sentence=sentence)
    weights, errors = fit_coverage(items, found, indices, params)
    return Choice(replace(params, coverage=weights), WEIGHTS[best[1]], best_score, errors)


def _fit(x, y, c: float, cost: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight={True: 1.0, False: cost}, max_iter=2000).fit(x, y)


def fit_coverage(items: Sequence[LabelledQuestion], found: Sequence[Candidates], indices: Sequence[int], params: RetrievalParams, folds: int = 4) -> tuple[tuple[float, ...], float]:
    """The coverage model (logistic regression on COVERAGE_FEATURES) fitted on these questions, its
    regularisation and class weight chosen by an inner cross-validation; (weights then bias, inner errors)."""
    import numpy as np

    x = np.array([coverage_features(found[i], params) for i in indices])
    y = np.array([items[i].in_scope for i in indices])
    order = list(range(len(indices)))
    random.Random(7).shuffle(order)
    best, best_errors = COVERAGE_GRID[0], float("inf")
    for c, cost in COVERAGE_GRID:
        errors = 0.0
        for fold in range(folds):
            test = [n for k, n in enumerate(order) if k % folds == fold]
            train = [n for k, n in enumerate(order) if k % folds != fold]
            predicted = _fit(x[train], y[train], c, cost).predict(x[test])
            errors += sum(1 for p, t in zip(predicted, y[test]) if t and not p) + OUT_OF_SCOPE_COST * sum(1 for p, t in zip(predicted, y[test]) if p and not t)
        if errors < best_errors - 1e-9:
            best, best_errors = (c, cost), errors
    model = _fit(x, y, *best)
    weights = tuple(round(float(w), 4) for w in model.coef_[0]) + (round(float(model.intercept_[0]), 4),)
    return weights, best_errors


def cross_validate(answerer: Answerer, items: Sequence[LabelledQuestion], *, folds: int = 5, seed: int = 17) -> tuple[Choice, list[Outcome], list[Choice]]:
    """(the choice on all questions, the held-out outcomes of every fold, each fold's choice)."""
    base = replace(answerer.retriever.params, candidates=max(answerer.retriever.params.candidates, 20), coverage=())
    retriever = answerer.retriever
    saved = retriever.params
    retriever.params = base
    try:
        found = [retriever.candidates(item.question) for item in items]
    finally:
        retriever.params = saved
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    held_out: list[Outcome] = []
    choices: list[Choice] = []
    table = _fusion_table(answerer, items, found, base)
    for fold in range(folds):
        test = [i for n, i in enumerate(order) if n % folds == fold]
        train = [i for n, i in enumerate(order) if n % folds != fold]
        choice = choose(items, found, train, base, table)
        choices.append(choice)
        saved = answerer.composer.weights
        answerer.composer.weights = choice.weights
        for i in test:
            relevant = is_relevant(found[i], choice.params)
            retrieval = Retrieval(fuse(found[i], choice.params)[: choice.params.passages] if relevant else [], relevant, found[i])
            held_out.append(judge(items[i], answerer.answer_from(items[i].question, retrieval)))
        answerer.composer.weights = saved
    final = choose(items, found, list(range(len(items))), base, table)
    return final, held_out, choices
