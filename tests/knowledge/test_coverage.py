"""The coverage model: a logistic model over the retrieval evidence decides whether a question is answered."""

from __future__ import annotations

from app.knowledge.hybrid import COVERAGE_FEATURES, Candidates, RetrievalParams, coverage, coverage_features, is_relevant
from app.backends.vector_index import Passage
from app.knowledge.lexical import LexicalHit
from app.knowledge.sentences import quotable_sentences


def candidates(cosine: float, bm25: float) -> Candidates:
    dense = [Passage(f"c{n}", "text", "T", "S", f"k/{n}.md", "", cosine - 0.01 * n) for n in range(3)]
    return Candidates("q", dense, [LexicalHit("c0", bm25)], {p.chunk_id: p for p in dense}, None, bm25, 3)


def test_features_are_in_their_documented_order():
    features = coverage_features(candidates(0.5, 4.0), RetrievalParams())
    assert len(features) == len(COVERAGE_FEATURES)
    assert features[0] == 0.5 and abs(features[1] - 0.49) < 1e-9 and features[2] == -1.0  # no sentence vectors here


def test_the_model_decides_when_it_is_set_and_the_thresholds_otherwise():
    model = RetrievalParams(coverage=(10.0, 0.0, 0.0, 1.0, 0.0, -6.0))  # covered when 10*cosine + log(1+bm25) >= 6
    assert is_relevant(candidates(0.45, 6.0), model)
    assert not is_relevant(candidates(0.45, 0.0), model)
    assert 0.0 < coverage(candidates(0.2, 0.0), model) < 0.5
    plain = RetrievalParams(coverage=(), min_dense=0.4)
    assert is_relevant(candidates(0.45, 0.0), plain) and not is_relevant(candidates(0.3, 0.0), plain)


def test_headings_bold_leads_and_notes_about_the_article_are_not_quotable():
    text = (
        "This article is for the partner who goes quiet when a talk gets tense.\n\n"
        "## The pursuer-withdrawer cycle after an affair\n\n"
        "**Feeling they can never do enough.** A distancer may feel trapped, as if no effort is ever enough.\n\n"
        "Example phrases, written for Softstart, follow below in a short list."
    )
    quoted = [s for _, s in quotable_sentences(text, "Title", "")]
    assert quoted == ["A distancer may feel trapped, as if no effort is ever enough."]
