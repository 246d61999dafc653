"""With a language model, the same passages and form go to the model; its answer is shown only if grounded."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.services import build_answerer

QUESTION = "How long should a break last when we fight?"


def answerer_with(services, reply: str):
    return build_answerer(services.settings, services.index, services.prompts, FakeListChatModel(responses=[reply]))


def test_a_grounded_model_answer_is_shown(services):
    composed = services.answerer.answer(QUESTION)
    sentence = composed.sources[0].excerpt.split(". ")[0].rstrip(".")
    result = answerer_with(services, f"{sentence} [1].").answer(QUESTION)
    assert result.engine.fallback is False and result.answer == f"{sentence} [1]."
    assert [s.source_id for s in result.sources] == [s.source_id for s in composed.sources]


def test_an_invented_citation_or_claim_falls_back_to_the_composed_answer(services):
    composed = services.answerer.answer(QUESTION)
    for reply in [
        "Take a break of 20 minutes [7].",
        "Quantum tunnelling explains why bananas ripen faster in paper bags near electric kettles [1].",
        "**Twenty minutes** [1].",
    ]:
        result = answerer_with(services, reply).answer(QUESTION)
        assert result.engine.fallback is True and result.engine.reason, reply
        assert result.answer == composed.answer


def test_the_model_is_told_the_question_form(services, monkeypatch):
    seen = []
    answerer = answerer_with(services, "x")
    monkeypatch.setattr(answerer.llm.__class__, "invoke", lambda self, messages, *a, **k: seen.append(messages) or type("R", (), {"content": "x"})())
    answerer.answer(QUESTION)
    assert "length of time" in seen[0][1].content and "[1]" in seen[0][1].content
