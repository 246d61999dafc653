"""POST /v1/ask through the app, on the real index of our knowledge base."""

from __future__ import annotations

from app.api.ask import AskResponse


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


def test_answer_quotes_only_retrieved_passages(client):
    body = AskResponse.model_validate(ask(client, "What is a soft start-up?").json())
    assert body.grounded
    cited_titles = {s.title for s in body.sources}
    for title in cited_titles:
        assert title in body.answer


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
