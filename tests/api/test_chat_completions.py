"""The OpenAI-compatible endpoint, with real clients: the ``openai`` library and the ``llm`` CLI
against a live uvicorn server, plus the error shapes, authentication and the three models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openai
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import ChatClientSettings
from app.sessions.store.couples import CoupleStore

HOTLINE = "1-800-799-7233"
FEAR = "I'm afraid of him, he pushed me against the wall"
PURSUER = "He hasn't answered my texts all evening and I keep sending more. I feel like I'm losing him."
MODELS = {"softstart-coach", "softstart-rewrite", "softstart-ask"}
KEY = "test-key-123"


@pytest.fixture
def keyed_client(app_settings, chat_services):
    settings = app_settings.model_copy(update={"chat_clients": ChatClientSettings(api_keys=[KEY])})
    with TestClient(create_app(settings, services=chat_services)) as client:
        yield client


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client_of(chat_server):
    return openai.OpenAI(base_url=f"{chat_server}/v1", api_key="unused-on-loopback", max_retries=0, timeout=120)


# ---------------------------------------------------------------------- the openai library, live
def test_openai_client_lists_the_models_and_holds_a_plain_conversation(client_of, chat_services):
    assert {m.id for m in client_of.models.list().data} == MODELS
    first = client_of.chat.completions.create(
        model="softstart-coach", messages=[{"role": "user", "content": PURSUER}], user="alice-7"
    )
    assert first.object == "chat.completion" and first.choices[0].message.content
    assert first.usage.prompt_tokens > 0 and first.usage.completion_tokens > 0
    second = client_of.chat.completions.create(
        model="softstart-coach",
        messages=[
            {"role": "user", "content": PURSUER},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": "I just sent three more. Why won't he answer?"},
        ],
        user="alice-7",
    )
    assert second.choices[0].message.content
    session_id = CoupleStore(chat_services.db_engine).linked_session("loopback\x1falice-7")
    assert session_id is not None and chat_services.sessions.count_messages(session_id) == 4  # memory carries over


def test_openai_client_streams_a_conversation_with_the_coach(client_of):
    messages = [{"role": "user", "content": PURSUER}]
    for follow_up in ("I keep checking my phone.", None):
        stream = client_of.chat.completions.create(
            model="softstart-coach", messages=messages, stream=True, stream_options={"include_usage": True}
        )
        pieces, usage = [], None
        for chunk in stream:
            assert chunk.object == "chat.completion.chunk"
            if chunk.usage is not None:
                usage = chunk.usage
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
        reply = "".join(pieces)
        assert reply and usage is not None and usage.total_tokens > 0
        if follow_up:
            messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": follow_up}]


def test_safety_resources_are_in_the_reply_text(client_of):
    for model in ("softstart-coach", "softstart-rewrite", "softstart-ask"):
        reply = client_of.chat.completions.create(model=model, messages=[{"role": "user", "content": FEAR}])
        assert HOTLINE in reply.choices[0].message.content, model


def test_rewrite_and_ask_models(client_of):
    rewrite = client_of.chat.completions.create(
        model="softstart-rewrite", messages=[{"role": "user", "content": "You never text me back. Do you even care about me?"}]
    ).choices[0].message.content
    assert "Why:" in rewrite and "never" not in rewrite.split("Why:")[0].lower()
    answer = client_of.chat.completions.create(
        model="softstart-ask", messages=[{"role": "user", "content": "Why does my partner shut down when I push?"}]
    ).choices[0].message.content
    assert "Sources:" in answer and "knowledge/" in answer


def test_openai_client_sees_the_error_shapes(client_of):
    with pytest.raises(openai.NotFoundError) as unknown:
        client_of.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert all(name in unknown.value.message for name in MODELS)
    with pytest.raises(openai.BadRequestError):
        client_of.chat.completions.create(model="softstart-coach", messages=[])


# ---------------------------------------------------------------------- the llm CLI, live
def test_the_llm_cli_holds_a_streamed_conversation(chat_server, tmp_path: Path):
    llm = shutil.which("llm") or str(Path(sys.executable).with_name("llm"))
    if not Path(llm).exists():
        pytest.fail("the llm CLI is not installed (pip install llm; it is in the dev extra)")
    (tmp_path / "extra-openai-models.yaml").write_text(
        f"- model_id: softstart\n  model_name: softstart-coach\n  api_base: \"{chat_server}/v1\"\n", encoding="utf-8"
    )
    env = {**os.environ, "LLM_USER_PATH": str(tmp_path), "OPENAI_API_KEY": "unused-on-loopback"}
    first = subprocess.run([llm, "-m", "softstart", PURSUER], env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip()
    second = subprocess.run([llm, "-c", "I keep checking my phone."], env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip()
    logged = subprocess.run([llm, "logs", "-n", "2", "--json"], env=env, capture_output=True, text=True, timeout=60)
    entries = json.loads(logged.stdout)
    assert len(entries) == 2 and entries[0]["conversation_id"] == entries[1]["conversation_id"]


# ---------------------------------------------------------------------- errors and authentication
def test_keys_are_required_when_configured(keyed_client):
    body = {"model": "softstart-coach", "messages": [{"role": "user", "content": "hi"}]}
    for headers in ({}, auth("wrong"), {"Authorization": "Basic abc"}):
        response = keyed_client.post("/v1/chat/completions", json=body, headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    assert keyed_client.get("/v1/models").status_code == 401
    assert keyed_client.get("/v1/models", headers=auth()).status_code == 200
    assert keyed_client.post("/v1/chat/completions", json=body, headers=auth()).status_code == 200


def test_without_keys_only_loopback_clients_are_served(chat_client):
    # The TestClient's peer is "testclient", not a loopback address.
    assert chat_client.get("/v1/models").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'"text"',
        b"{}",
        json.dumps({"model": "softstart-coach"}).encode(),
        json.dumps({"model": "softstart-coach", "messages": "hi"}).encode(),
        json.dumps({"model": "softstart-coach", "messages": [{"role": "wizard", "content": "hi"}]}).encode(),
        json.dumps({"model": "softstart-coach", "messages": [{"role": "system", "content": "be nice"}]}).encode(),
        json.dumps({"model": "softstart-coach", "messages": [{"role": "user", "content": 5}]}).encode(),
        json.dumps({"model": 7, "messages": [{"role": "user", "content": "hi"}]}).encode(),
        json.dumps({"model": "softstart-coach", "messages": [{"role": "user", "content": "hi"}], "stream": "maybe"}).encode(),
        b"\xff\xfe",
    ],
)
def test_malformed_bodies_get_the_openai_error_shape(keyed_client, body):
    response = keyed_client.post("/v1/chat/completions", content=body, headers={**auth(), "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["message"] and error["type"] == "invalid_request_error"


def test_unknown_models_list_the_ones_that_exist(keyed_client):
    response = keyed_client.post(
        "/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, headers=auth()
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"
    assert all(name in response.json()["error"]["message"] for name in MODELS)


def test_content_parts_and_a_user_header(keyed_client, chat_services):
    body = {"model": "softstart-coach", "messages": [{"role": "user", "content": [{"type": "text", "text": PURSUER}]}]}
    response = keyed_client.post("/v1/chat/completions", json=body, headers={**auth(), "X-Softstart-User": "bob"})
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"]
    assert CoupleStore(chat_services.db_engine).linked_session(f"{KEY}\x1fbob") is not None


def test_streamed_events_end_with_done(keyed_client):
    body = {"model": "softstart-coach", "messages": [{"role": "user", "content": PURSUER}], "stream": True}
    with keyed_client.stream("POST", "/v1/chat/completions", json=body, headers=auth()) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
