from __future__ import annotations

from types import SimpleNamespace

from evals.ask import LabelledQuestion, article_matches, fact_stated, figures, has_markdown, judge


def test_fact_matching_is_loose_about_numbers_and_endings():
    assert fact_stated("at least twenty minutes", "Wait at least 20 minutes [1].")
    assert fact_stated("distancer comes closer", "When a pursuer eases off, a distancer often comes closer [1].")
    assert not fact_stated("birth of a child", "Talk about closeness [1].")


def test_article_labels_match_files_or_titles():
    source = SimpleNamespace(source_id="knowledge/the-20-minute-break.md", title="The 20-minute break")
    assert article_matches("the-20-minute-break", source)
    assert article_matches("The 20-minute break", source)
    assert not article_matches("when-to-get-help.md", source)


def test_markdown_is_caught_but_citations_are_not():
    assert has_markdown("**bold**") and has_markdown("- a list item")
    assert not has_markdown("Plain words with a citation [1].")


def test_figures():
    inside = LabelledQuestion("q", True, ["a"], ["x y"])
    outside = LabelledQuestion("o", False)
    card = SimpleNamespace(source_id="k/a.md", title="A", text="plain")
    outcomes = [judge(inside, SimpleNamespace(answer="x y [1].", grounded=True, sources=[card])), judge(outside, SimpleNamespace(answer="no", grounded=False, sources=[]))]
    measured = figures(outcomes)
    assert measured["right_article"] == 1 and measured["key_fact"] == 1 and measured["out_of_scope_declined"] == 1
