"""``softstart train``: fits one small head per label on the corpus embeddings, with thresholds and
figures from cross-validation on the training corpus only (the blind split is never read here).

Every head is a scikit-learn ``LogisticRegression`` (fixed seed), saved as plain arrays.
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.models.corpus import CorpusLine
from app.models.heads import LinearHead
from app.models.labels import DIRECTION_OF_SAFETY, HARSH_KINDS


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 13
    folds: int = 5
    c: float = 4.0  # 5-fold CV on the training corpus among 1, 4, 16: 4 and 16 within 0.02 of each other, 16 converges far slower
    max_safety_fpr: float = 0.005  # of safe training lines flagged by the model alone, in CV (the rules flag their own share too)
    gentle_npv: float = 0.97  # "reads well" only below the score where this share of CV lines were gentle
    crisis_recall: float = 0.95  # crisis threshold: at least this share of CV crisis lines called crisis
    min_kind_examples: int = 8
    jobs: int = 2  # cross-validation folds fitted in parallel
    ngram_bits: int = 15  # hashed word and char n-grams beside the embedding (0: embedding + surface only)
    danger_recall: float = 0.0  # if set (e.g. 0.95): the danger threshold is the highest score at which CV recall of dangerous lines is still this; 0: cap the false positives instead (max_safety_fpr): at 0.95 recall a quarter of ordinary lines were flagged in CV
    max_iter: int = 300


@dataclass(frozen=True)
class HeadSpec:
    name: str
    rows: Callable[[CorpusLine], bool]
    label: Callable[[CorpusLine], str]
    binary_positive: str | None = None  # binary head: the class whose probability it gives


def _to_partner(line: CorpusLine) -> bool:
    return line.context == "to_partner"


def _to_coach(line: CorpusLine) -> bool:
    return line.context == "to_coach"


HEAD_SPECS: tuple[HeadSpec, ...] = (
    HeadSpec("harsh", _to_partner, lambda l: "harsh" if l.harsh else "gentle", binary_positive="harsh"),
    HeadSpec("move", lambda l: True, lambda l: l.move),  # the chat reads the sender's move in to-coach turns too
    HeadSpec("danger", lambda l: True, lambda l: "danger" if l.safety != "none" else "safe", binary_positive="danger"),
    HeadSpec("safety", lambda l: True, lambda l: l.safety),
    HeadSpec("direction", lambda l: l.safety != "none", lambda l: l.direction),  # who is in danger, on dangerous lines only
    HeadSpec("level", lambda l: l.safety != "none", lambda l: l.level, binary_positive="crisis"),
    HeadSpec("intent", _to_coach, lambda l: l.intent or "share"),
    HeadSpec("speaker", _to_coach, lambda l: l.speaker),
)


def _model(config: TrainConfig):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=config.c, max_iter=config.max_iter, tol=1e-3, class_weight="balanced", random_state=config.seed)


def groups_of(lines: Sequence[CorpusLine]) -> np.ndarray:
    """Near-identical lines (same letters, case and punctuation aside) share a group and so a fold."""
    import re

    keys = [re.sub(r"[^\w]+", "", l.text.lower())[:48] for l in lines]
    index: dict[str, int] = {}
    return np.asarray([index.setdefault(k, len(index)) for k in keys])


def _cv_proba(x: np.ndarray, y: np.ndarray, config: TrainConfig, groups: np.ndarray | None = None) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

    counts = Counter(y.tolist())
    folds = max(2, min(config.folds, min(counts.values()))) if len(counts) > 1 else 2
    if groups is not None and len(set(groups.tolist())) >= folds:
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=config.seed)
        return cross_val_predict(_model(config), x, y, groups=groups, cv=splitter, method="predict_proba", n_jobs=config.jobs)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    return cross_val_predict(_model(config), x, y, cv=splitter, method="predict_proba", n_jobs=config.jobs)


def _fit_head(name: str, x: np.ndarray, y: np.ndarray, config: TrainConfig, positive: str | None) -> LinearHead:
    model = _model(config).fit(x, y)
    classes = tuple(str(c) for c in model.classes_)
    if positive is not None:  # binary: one sigmoid for the positive class
        sign = 1.0 if classes[1] == positive else -1.0
        return LinearHead(name, (positive,), sign * model.coef_[:1], sign * model.intercept_[:1], multilabel=True)
    return LinearHead(name, classes, model.coef_, model.intercept_)


# ------------------------------------------------------------------------------------- figures
def per_class(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, dict[str, float]]:
    labels = sorted(set(y_true) | set(y_pred))
    out = {}
    for label in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == label and p == label)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != label and p == label)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == label and p != label)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[label] = {"precision": round(prec, 4), "recall": round(rec, 4),
                      "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0, "support": tp + fn}
    return out


def _binary_f1(y: np.ndarray, score: np.ndarray, t: float) -> float:
    pred = score >= t
    tp, fp, fn = np.sum(pred & y), np.sum(pred & ~y), np.sum(~pred & y)
    return float(2 * tp / (2 * tp + fp + fn)) if tp else 0.0


GRID = np.round(np.arange(0.02, 0.995, 0.005), 3)


def choose_harsh_thresholds(y: np.ndarray, score: np.ndarray, npv: float) -> tuple[float, float]:
    """(harsh at or above, confidently gentle below): best CV F1, and the highest score under which
    at least ``npv`` of the CV lines were gentle."""
    harsh_at = float(max(GRID, key=lambda t: (_binary_f1(y, score, t), -abs(t - 0.5))))
    gentle_below = 0.05
    for t in GRID:
        if t > harsh_at:
            break
        below = score < t
        if below.sum() and (~y[below]).mean() >= npv:
            gentle_below = float(t)
    return harsh_at, gentle_below


def choose_danger_threshold(danger: np.ndarray, score: np.ndarray, max_fpr: float) -> float:
    """The lowest score whose CV false-positive rate on safe lines is at most ``max_fpr`` (recall first)."""
    safe = score[~danger]
    for t in GRID:
        if safe.size == 0 or (safe >= t).mean() <= max_fpr:
            return float(t)
    return float(GRID[-1])


def choose_danger_threshold_by_recall(danger: np.ndarray, score: np.ndarray, recall: float) -> float:
    """The highest score at which at least ``recall`` of the CV dangerous lines are flagged (recall first:
    the screen is rules OR model); among such thresholds it flags the fewest safe lines."""
    best = float(GRID[0])
    for t in GRID:
        if danger.sum() and (score[danger] >= t).mean() >= recall:
            best = float(t)
    return best


def choose_crisis_threshold(crisis: np.ndarray, score: np.ndarray, recall: float) -> float:
    best = float(GRID[0])
    for t in GRID:
        if crisis.sum() and (score[crisis] >= t).mean() >= recall:
            best = float(t)
    return best


# ------------------------------------------------------------------------------------- training
@dataclass
class Trained:
    heads: dict[str, LinearHead]
    thresholds: dict[str, Any]
    cv: dict[str, Any]
    counts: dict[str, Any]
    seconds: float


def train_heads(lines: Sequence[CorpusLine], x: np.ndarray, config: TrainConfig = TrainConfig(), log=print) -> Trained:
    started = time.perf_counter()
    heads: dict[str, LinearHead] = {}
    thresholds: dict[str, Any] = {}
    cv: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    cv_proba: dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...], np.ndarray]] = {}
    groups = groups_of(lines)
    for spec in HEAD_SPECS:
        mask = np.asarray([spec.rows(l) for l in lines])
        y = np.asarray([spec.label(l) for l, m in zip(lines, mask) if m])
        counts[spec.name] = dict(sorted(Counter(y.tolist()).items()))
        if len(set(y.tolist())) < 2:
            log(f"  {spec.name}: skipped (one class only)")
            continue
        xs = x[mask]
        proba = _cv_proba(xs, y, config, groups[mask])
        classes = tuple(sorted(set(y.tolist())))
        cv_proba[spec.name] = (y, proba, classes, mask)
        pred = np.asarray(classes)[proba.argmax(axis=1)]
        cv[spec.name] = {"accuracy": round(float((pred == y).mean()), 4), "n": int(len(y)), "per_class": per_class(y.tolist(), pred.tolist())}
        heads[spec.name] = _fit_head(spec.name, xs, y, config, spec.binary_positive)
        log(f"  {spec.name}: {len(y)} lines, CV accuracy {cv[spec.name]['accuracy']:.3f} ({time.perf_counter() - started:.0f}s)")

    # harsh thresholds
    if "harsh" in cv_proba:
        y, proba, classes, _ = cv_proba["harsh"]
        truth = y == "harsh"
        score = proba[:, classes.index("harsh")]
        harsh_at, gentle_below = choose_harsh_thresholds(truth, score, config.gentle_npv)
        thresholds["harsh"] = harsh_at
        thresholds["gentle_below"] = gentle_below
        pred = score >= harsh_at
        tp, fp, fn = int(np.sum(pred & truth)), int(np.sum(pred & ~truth)), int(np.sum(~pred & truth))
        cv["harsh"]["at_threshold"] = {"precision": round(tp / max(tp + fp, 1), 4), "recall": round(tp / max(tp + fn, 1), 4),
                                       "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4),
                                       "gentle_share_called_fine": round(float((score[~truth] < gentle_below).mean()), 4)}

    # kinds: one sigmoid per kind, on harsh to-partner lines
    harsh_rows = np.asarray([l.context == "to_partner" and l.harsh for l in lines])
    kind_names, weights, biases = [], [], []
    for kind in HARSH_KINDS:
        y = np.asarray([kind in l.kinds for l, m in zip(lines, harsh_rows) if m])
        if y.sum() < config.min_kind_examples or (~y).sum() < config.min_kind_examples:
            continue
        model = _model(config).fit(x[harsh_rows], y)
        kind_names.append(kind)
        weights.append(model.coef_[0])
        biases.append(model.intercept_[0])
    if kind_names:
        heads["kinds"] = LinearHead("kinds", tuple(kind_names), np.stack(weights), np.asarray(biases), multilabel=True)
        counts["kinds"] = {k: int(sum(k in l.kinds for l in lines)) for k in HARSH_KINDS}

    # safety: the danger head's score, recall first at a low false-positive rate; the family from the safety head
    if "safety" in cv_proba and "danger" in cv_proba:
        y, proba, classes, _ = cv_proba["safety"]
        yd, pd, dclasses, _ = cv_proba["danger"]
        danger = y != "none"
        score = pd[:, dclasses.index("danger")]
        t = (choose_danger_threshold_by_recall(danger, score, config.danger_recall) if config.danger_recall
             else choose_danger_threshold(danger, score, config.max_safety_fpr))
        thresholds["danger"] = t
        flagged = score >= t
        kind_pred = np.asarray([max((c for c in classes if c != "none"), key=lambda c: row[classes.index(c)]) for row in proba])
        fam = {}
        for family in sorted(set(y.tolist()) - {"none"}):
            rows = y == family
            fam[family] = {"recall": round(float(flagged[rows].mean()), 4), "n": int(rows.sum()),
                           "kind_right": round(float((kind_pred[rows & flagged] == family).mean()) if (rows & flagged).any() else 0.0, 4)}
        cv["safety"]["at_threshold"] = {"families": fam, "false_positive_rate": round(float(flagged[~danger].mean()), 4),
                                        "direction_errors": int(sum(1 for a, b in zip(kind_pred[danger & flagged], y[danger & flagged])
                                                                    if DIRECTION_OF_SAFETY[a] != DIRECTION_OF_SAFETY[b]))}
    if "level" in cv_proba:
        y, proba, classes, _ = cv_proba["level"]
        crisis = y == "crisis"
        score = proba[:, classes.index("crisis")]
        thresholds["crisis"] = choose_crisis_threshold(crisis, score, config.crisis_recall)
    return Trained(heads, thresholds, cv, counts, time.perf_counter() - started)


def environment() -> dict[str, str]:
    import sklearn

    return {"python": platform.python_version(), "scikit_learn": sklearn.__version__, "numpy": np.__version__}
