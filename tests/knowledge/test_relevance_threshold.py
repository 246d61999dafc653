"""The default relevance threshold separates on-topic from off-topic questions on our real knowledge base."""

from __future__ import annotations

import json

from tests.conftest import TEST_DATA


def test_threshold_separates_on_and_off_topic_questions(services):
    questions = json.loads((TEST_DATA / "relevance_questions.json").read_text())
    threshold = services.settings.relevance_threshold
    on_scores = {q: services.index.search(q, k=1)[0].score for q in questions["on_topic"]}
    off_scores = {q: services.index.search(q, k=1)[0].score for q in questions["off_topic"]}
    assert min(on_scores.values()) >= threshold, sorted(on_scores.items(), key=lambda kv: kv[1])[:3]
    assert max(off_scores.values()) < threshold, sorted(off_scores.items(), key=lambda kv: -kv[1])[:3]
