"""Every crisis, abuse, coercion and control example of the product issue, through the HTTP API.

Each goes to /v1/rewrite, /v1/ask and a chat session: each answer must carry the screen's level and
kind, the resources and a caring message, and no coaching (no rewrite, no answer from the articles,
no technique). Look-alikes must pass through to normal coaching.
"""

from __future__ import annotations

import pytest

from tests.safety.test_screen import ISSUE_EXAMPLES, LOOK_ALIKES

HOTLINE = "1-800-799-7233"
LIFELINE = "988"


@pytest.fixture(scope="module")
def session(chat_client_module):
    created = chat_client_module.post("/v1/sessions").json()
    return created["id"], {"Authorization": f"Bearer {created['token']}"}


@pytest.fixture(scope="module")
def chat_client_module(app_settings, services):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(app_settings, services=services)) as client:
        yield client


def contacts(safety: dict) -> str:
    return " ".join(f"{r['name']} {r['contact']}" for r in safety["resources"])


def expected_resource(kind: str) -> str | None:
    if kind == "self_harm":
        return LIFELINE
    if kind in ("abuse", "coercion"):
        return HOTLINE
    return None


@pytest.mark.parametrize(("text", "level", "kind"), ISSUE_EXAMPLES)
def test_each_issue_example_gets_safety_on_every_endpoint(chat_client_module, session, text, level, kind):
    client = chat_client_module
    rewrite = client.post("/v1/rewrite", json={"message": text}).json()
    ask = client.post("/v1/ask", json={"question": text}).json()
    session_id, headers = session
    turn = client.post(f"/v1/sessions/{session_id}/messages", json={"text": text}, headers=headers).json()

    for body in (rewrite, ask, turn):
        assert (body["safety"]["level"], body["safety"]["kind"]) == (level, kind), body["safety"]
        assert body["safety"]["message"]
        if expected_resource(kind):
            assert expected_resource(kind) in contacts(body["safety"]), body["safety"]["resources"]
    assert rewrite["rewrite"] is None and rewrite["alternatives"] == []
    assert ask["sources"] == [] and ask["grounded"] is False
    assert turn["intent"] == "safety" and turn["rewrite"] is None and turn["technique"] is None
    assert turn["safety"]["message"] in turn["reply"]["text"]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_coached_normally(chat_client_module, text):
    ask = chat_client_module.post("/v1/ask", json={"question": text}).json()
    rewrite = chat_client_module.post("/v1/rewrite", json={"message": text}).json()
    assert ask["safety"]["level"] == "none" and rewrite["safety"]["level"] == "none"
    assert rewrite["rewrite"] is not None
