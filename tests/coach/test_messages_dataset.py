"""The labelled message set (tests/data/messages.jsonl) and the analyzer evaluation on it.

Labelling conventions (written before the analyzer was tuned):
- expected_kinds: every harsh kind a careful reader sees; [] for kind, neutral and soft messages.
- move: "pursue" reaches for a response or a change (criticising, mocking, demanding, protesting);
  "withdraw" protects or closes off (shutting down, leaving, defending or counter-blaming);
  "neutral" is neither (soft start-ups and time-boxed breaks included).
- needs_rewrite == bool(expected_kinds); rows in another language carry "language_supported": false.
"""

from __future__ import annotations

import json
import typing
from collections import Counter

import pytest

from evals.analyzer import (
    AnalyzerReport,
    evaluate_analyzer,
    evaluate_paradetox,
    format_report,
    load_labelled_messages,
    load_paradetox_you_directed,
)
from app.detect.types import Analysis, Flag, FlagKind, Move
from tests.conftest import TEST_DATA

MESSAGES_PATH = TEST_DATA / "messages.jsonl"
CATEGORIES = {
    "pursuing",
    "withdrawing",
    "contempt",
    "defensiveness",
    "already_soft",
    "neutral",
    "lookalike",
    "messy",
    "demand",
    "protest",
    "flooding",
    "non_english",
}
MINIMUM_PER_CATEGORY = {
    "pursuing": 40,
    "withdrawing": 30,
    "contempt": 20,
    "defensiveness": 20,
    "already_soft": 25,
    "neutral": 25,
    "lookalike": 25,
    "messy": 20,
    "non_english": 5,
}
KINDS = set(typing.get_args(FlagKind))
MOVES = set(typing.get_args(Move))


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return load_labelled_messages(MESSAGES_PATH)


@pytest.fixture(scope="module")
def report(rows) -> AnalyzerReport:
    return evaluate_analyzer(rows)


# ------------------------------------------------------------------ the file itself


def test_every_line_is_a_valid_labelled_message():
    lines = [line for line in MESSAGES_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = []
    for line in lines:
        row = json.loads(line)
        ids.append(row["id"])
        assert isinstance(row["text"], str) and row["text"].strip()
        assert row["category"] in CATEGORIES
        assert isinstance(row["expected_kinds"], list) and set(row["expected_kinds"]) <= KINDS
        assert len(row["expected_kinds"]) == len(set(row["expected_kinds"]))
        assert row["move"] in MOVES
        assert row["needs_rewrite"] is bool(row["expected_kinds"])
        if row["category"] in {"already_soft", "neutral", "lookalike", "non_english"}:
            assert row["expected_kinds"] == [] and row["move"] == "neutral", row["id"]
        if row["expected_kinds"] == []:
            assert row["move"] == "neutral", row["id"]
        if row.get("language_supported", True) is False:
            assert row["category"] == "non_english" and row["expected_kinds"] == []
    assert len(ids) == len(set(ids)), "ids must be unique"


def test_texts_are_not_duplicated(rows):
    texts = Counter(row["text"].strip().lower() for row in rows)
    assert [text for text, count in texts.items() if count > 1] == []


def test_the_set_is_large_and_balanced(rows):
    counts = Counter(row["category"] for row in rows)
    assert len(rows) >= 220
    for category, minimum in MINIMUM_PER_CATEGORY.items():
        assert counts[category] >= minimum, (category, counts[category])
    assert sum(1 for row in rows if row["language_supported"] is False) >= 5
    kinds = Counter(kind for row in rows for kind in row["expected_kinds"])
    assert all(kinds[kind] >= 15 for kind in KINDS), kinds
    moves = Counter(row["move"] for row in rows)
    assert moves["pursue"] >= 40 and moves["withdraw"] >= 30 and moves["neutral"] >= 75


def test_loader_rejects_rows_with_missing_fields(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x1", "text": "hi"}\n', encoding="utf-8")
    with pytest.raises(ValueError):
        load_labelled_messages(path)


# ----------------------------------------------------------------- the evaluation


def test_analyzer_meets_the_targets_on_our_set(report):
    assert report.messages >= 220
    assert report.harsh_f1 >= 0.95
    assert report.kind_messages_flagged == 0, report.kind_messages_flagged_ids
    assert report.move_accuracy >= 0.9
    assert report.language_accuracy == 1.0
    for kind, score in report.kinds.items():
        assert score.support > 0
        assert score.recall >= 0.8 and score.precision >= 0.8, (kind, score)


def test_soft_neutral_and_lookalike_rows_are_never_flagged(rows):
    from app.detect.analyzer import analyze

    for row in rows:
        if row["category"] in {"already_soft", "neutral", "lookalike"}:
            assert analyze(row["text"]).flags == [], row["id"]


def test_format_report_shows_the_headline_figures(report):
    text = format_report(report, show_misses=True)
    assert f"Labelled messages: {report.messages}" in text
    assert "harsh vs not" in text and "F1" in text and "move accuracy" in text
    assert "kind/neutral messages flagged: 0" in text
    for kind in KINDS:
        assert kind in text


def _fake_analysis(message: str, kinds: list[str], move: str = "pursue") -> Analysis:
    flags = [Flag(kind=k, span=(0, 1), text=message[:1], why="w", antidote="a") for k in kinds]
    return Analysis(message=message, flags=flags, move=move, move_evidence=[], harshness=0.5, pattern="p")


def test_metrics_are_computed_from_predictions_not_from_labels():
    rows = [
        {"id": "a", "text": "A", "category": "pursuing", "expected_kinds": ["criticism"], "move": "pursue"},
        {"id": "b", "text": "B", "category": "neutral", "expected_kinds": [], "move": "neutral"},
        {"id": "c", "text": "C", "category": "contempt", "expected_kinds": ["contempt"], "move": "pursue"},
        {"id": "d", "text": "D", "category": "neutral", "expected_kinds": [], "move": "neutral"},
    ]
    # flags criticism on everything: a right, b wrong, c wrong kind (still harsh), d wrong
    report = evaluate_analyzer(rows, analyze=lambda text: _fake_analysis(text, ["criticism"]))
    criticism, contempt = report.kinds["criticism"], report.kinds["contempt"]
    assert (criticism.true_positives, criticism.false_positives, criticism.false_negatives) == (1, 3, 0)
    assert criticism.precision == pytest.approx(0.25) and criticism.recall == 1.0
    assert (contempt.true_positives, contempt.false_negatives, contempt.recall) == (0, 1, 0.0)
    assert report.harsh_precision == pytest.approx(0.5) and report.harsh_recall == 1.0
    assert report.harsh_f1 == pytest.approx(2 / 3)
    assert report.harsh_accuracy == pytest.approx(0.5)
    assert report.kind_messages_flagged == 2 and set(report.kind_messages_flagged_ids) == {"b", "d"}
    assert report.move_accuracy == pytest.approx(0.5)
    assert {miss.id for miss in report.misses} == {"b", "c", "d"}


def test_paradetox_loader_and_shares(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(
        "ID,toxic_comment,civil_comment\n"
        '1,"you are a fucking idiot , shut up .","I think you are mistaken."\n'
        "2,go fuck yourself .,Please leave.\n"
        '3,"your post is garbage , get lost .","I did not like your post."\n'
        "4,no shit the weather is bad,the weather is bad\n",
        encoding="utf-8",
    )
    pairs = load_paradetox_you_directed(path)
    assert [pair["id"] for pair in pairs] == ["1", "2", "3", "4"]
    assert pairs[1] == {"id": "2", "toxic": "go fuck yourself .", "civil": "Please leave."}
    result = evaluate_paradetox(pairs)
    assert result.pairs == 4
    assert result.toxic_flagged_share == pytest.approx(0.75)  # the swear word not aimed at anyone is not flagged
    assert result.civil_unflagged_share == 1.0
    assert "recall" in format_report(result) and "specificity" in format_report(result)
