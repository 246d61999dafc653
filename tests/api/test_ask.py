"""POST /v1/ask through the app, on the real index of our knowledge base."""

from __future__ import annotations

import re

from app.api.ask import AskResponse
from app.text_utils import content_words, split_sentences

MARKDOWN = re.compile(r"\*\*|__|`|^\s*#+\s|^\s*[-*•]\s+\S|\[[^\]]+\]\([^)]*\)", re.MULTILINE)
_CITATION = re.compile(r"\s*\[(\d+)\]")


def strip_citations(text: str) -> str:
    return _CITATION.sub("", text)


def sentences_with_citations(answer: str) -> list[tuple[str, int]]:
    """(sentence without its citation, the passage number it cites) for each cited sentence."""
    found = []
    for sentence in split_sentences(answer):
        numbers = _CITATION.findall(sentence)
        if numbers:
            found.append((strip_citations(sentence), int(numbers[0])))
    return found


def ask(client, question):
    return client.post("/v1/ask", json={"question": question})


def test_distancer_question_cites_the_distancer_article(client):
    response = ask(client, "Why does my partner shut down when I bring up a problem?")
    assert response.status_code == 200
    body = AskResponse.model_validate(response.json())
    assert body.grounded is True
    assert body.sources, "a grounded answer cites sources"
    assert any("distancer" in s.title.lower() or "shut down" in s.title.lower() for s in body.sources)
    assert "[1]" in body.answer
    for source in body.sources:
        assert source.source and source.passage
    assert body.safety.level == "none"
    assert body.engine.backend == "none" and body.engine.fallback is False


def test_every_sentence_is_taken_from_the_passage_it_cites(client):
    for question in ["What is a soft start-up?", "Why do I keep chasing my partner?", "How can I ask for space without hurting my partner?"]:
        body = AskResponse.model_validate(ask(client, question).json())
        assert body.grounded, question
        cited = sentences_with_citations(body.answer)
        assert cited, body.answer
        for sentence, number in cited:
            assert 1 <= number <= len(body.sources), (question, body.answer)
            card = body.sources[number - 1]
            unsupported = content_words(sentence) - content_words(card.passage)
            assert not unsupported, (question, sentence, unsupported)
            assert strip_citations(sentence).rstrip(".!?") in card.excerpt, (sentence, card.excerpt)
        assert {n for _, n in cited} == set(range(1, len(body.sources) + 1)), "every card is cited"


def test_answers_are_short_plain_and_one_card_per_article(client):
    for question in [
        "What is the protest polka?",
        "Why does my partner shut down when I bring up a problem?",
        "What should I say when I need a break?",
        "how do we stop this cycle",
        "What can a distancer do to break the pattern?",
    ]:
        body = AskResponse.model_validate(ask(client, question).json())
        assert body.grounded, question
        assert len(body.answer.split()) <= 150, body.answer
        assert not MARKDOWN.search(body.answer), body.answer
        assert "Our knowledge base speaks" not in body.answer and "rewrite tool" not in body.answer
        articles = [s.source_id for s in body.sources]
        assert len(articles) == len(set(articles)), articles
        for card in body.sources:
            for text in (card.passage, card.excerpt, card.source):
                assert not MARKDOWN.search(text), text
            assert card.excerpt and card.excerpt in card.passage or all(w in content_words(card.passage) for w in content_words(card.excerpt))
            parts = [p.strip() for p in card.source.split(";")]
            assert len(parts) == len(set(parts)), "each author or site once"
        for text in [body.answer, *(c.excerpt for c in body.sources)]:
            assert text.count('"') % 2 == 0 and text.count("“") == text.count("”"), f"an open quote: {text}"


# ---- the failures of issue 17, through the real API and the real Chroma index -----------------------

def test_when_the_pursuer_stops_pursuing_the_answer_says_the_distancer_moves_closer(client):
    body = AskResponse.model_validate(ask(client, "What happens if the pursuer stops pursuing?").json())
    assert body.grounded
    first = body.answer.split("[1]")[0].lower()
    # the knowledge base says it two ways: the distancer comes closer, or is more motivated to repair
    assert "distancer" in first and ("closer" in first or "repair" in first), body.answer
    assert not first.startswith("the trouble is"), "not the passage about why pursuers chase"


def test_how_long_to_wait_is_answered_with_twenty_minutes(client):
    # (bare "How long should I wait?" with no conversation around it is now declined: see the chat test)
    for question in ["How long should I wait before we talk again after a time-out?", "how long should a break last when we fight?"]:
        body = AskResponse.model_validate(ask(client, question).json())
        assert body.grounded, question
        assert body.form == "how_long"
        opening = body.answer.split(".")[0].lower()
        assert "20" in opening or "twenty" in opening, body.answer
        assert any("20-minute" in s.source_id or "20 minute" in s.title.lower() for s in body.sources), [s.title for s in body.sources]


def test_new_parents_find_the_life_changes_article(client):
    body = AskResponse.model_validate(ask(client, "Is this normal for new parents?").json())
    assert body.grounded
    assert any("life-changes" in s.source_id for s in body.sources), [s.source_id for s in body.sources]
    assert "child" in body.answer.lower() or "baby" in body.answer.lower(), body.answer


def test_both_affair_passages_are_found(client, services):
    question = "How do we recover from an affair when the cycle gets worse?"
    found = services.answerer.retriever.retrieve(question)
    affair = {p.source_id.rsplit("/", 1)[-1] for p in found.passages if "affair" in p.text.lower() or "infidelity" in p.text.lower()}
    assert {"when-to-get-help.md", "asking-for-connection-eft.md"} <= affair, [(p.source_id, p.section) for p in found.passages]
    body = AskResponse.model_validate(ask(client, question).json())
    assert body.grounded
    assert any(word in body.answer.lower() for word in ("affair", "infidelity", "betrayal", "trust")), body.answer
    assert any(s.source_id.endswith(("when-to-get-help.md", "asking-for-connection-eft.md")) for s in body.sources)


def test_should_i_questions_open_with_yes_or_no(client):
    body = AskResponse.model_validate(ask(client, "Should we see a couples therapist?").json())
    assert body.form == "should_i"
    assert body.answer.lower().startswith(("yes", "often, yes", "no", "probably not")), body.answer


def test_what_is_questions_open_with_a_definition(client):
    body = AskResponse.model_validate(ask(client, "What is flooding?").json())
    assert body.form == "what_is"
    first = body.answer.split("[1]")[0]
    assert "flooding" in first.lower() and ("means" in first or " is " in first), body.answer


def test_off_topic_question_gets_an_honest_redirect(client):
    for question in ["What's the capital of France?", "How do I change a bicycle tyre?", "Best pizza dough recipe?"]:
        body = AskResponse.model_validate(ask(client, question).json())
        assert body.grounded is False, question
        assert body.sources == []
        assert "don't" in body.answer.lower() or "not" in body.answer.lower()
        assert "rewrit" in body.answer.lower()


def test_empty_question_is_rejected_clearly(client):
    for question in ["", "   \n\t "]:
        response = ask(client, question)
        assert response.status_code == 422
        assert "question" in str(response.json()["detail"])


def test_oversized_question_is_rejected(client):
    response = ask(client, "why " * 600)
    assert response.status_code == 422
    assert "at most 2000" in str(response.json()["detail"])
    huge = client.post("/v1/ask", content=b'{"question": "' + b"a" * 100_000 + b'"}', headers={"content-type": "application/json"})
    assert huge.status_code == 413


def test_malformed_requests_are_4xx_not_500(client):
    cases = [
        dict(content=b"not json", headers={"content-type": "application/json"}),
        dict(content=b"question=hi", headers={"content-type": "application/x-www-form-urlencoded"}),
        dict(content=b'{"question": 42}', headers={"content-type": "application/json"}),
        dict(content=b'{"q": "hi"}', headers={"content-type": "application/json"}),
        dict(content=b'{"question": "hi\\u0000there"}', headers={"content-type": "application/json"}),
        dict(content=b"[" * 5000 + b"]" * 5000, headers={"content-type": "application/json"}),
        dict(content=b'{"question": "\xff\xfe bad utf8"}', headers={"content-type": "application/json"}),
    ]
    for case in cases:
        response = client.post("/v1/ask", **case)
        assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
        assert "detail" in response.json()


def test_crisis_question_gets_safety_not_an_answer(client):
    body = AskResponse.model_validate(ask(client, "I want to kill myself, what's the point").json())
    assert body.safety.level == "crisis"
    assert body.sources == [] and body.grounded is False
    assert any("988" in r.contact or "988" in r.name for r in body.safety.resources)


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["index"]["chunks"] > 10
