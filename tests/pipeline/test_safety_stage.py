"""Safety is a stage of every job: the screen reads the input before any engine, and every model-written
output (rewrites and answers too, not only chat replies). A fake model that writes a threat is rejected
by the screen and the next engine answers, with the reason in the engine info."""

from __future__ import annotations

from pathlib import Path

from app.reply.memory import remember
from app.reply.state import ConversationState
from tests.pipeline.conftest import PURSUER, QUESTION, TEXTING

THREAT = "I swear I'm gonna kill him when he gets home"
APP = Path(__file__).resolve().parents[2] / "app"


def screen_flag_in(reason: str | None) -> bool:
    return bool(reason) and "safety screen flagged" in reason


def test_a_model_written_rewrite_with_a_threat_is_rejected(llm_services, scripted):
    scripted.reply = THREAT
    assert llm_services.safety.screen(THREAT).blocks_coaching  # the fake's text is one the screen stops
    done = llm_services.rewrite_job.rewrite(TEXTING)
    assert not done.blocked and done.safety.level == "none"
    result = done.result
    assert result.rewrite != THREAT and "kill" not in result.rewrite
    assert result.engine.engine == "composer" and result.engine.fallback is True
    assert screen_flag_in(result.engine.reason)
    assert [(a.engine, a.status) for a in result.engine.attempts][0] == ("llm", "failed_check")


def test_a_model_written_answer_with_a_threat_is_rejected(llm_services, scripted):
    scripted.reply = f"{THREAT} [1]."
    done = llm_services.answer_job.answer(QUESTION)
    assert not done.blocked
    result = done.result
    assert THREAT not in result.answer and result.sources
    assert result.engine.engine == "composer" and result.engine.fallback is True
    assert screen_flag_in(result.engine.reason)


def test_a_model_written_chat_reply_with_a_threat_is_rejected(llm_services, scripted):
    scripted.reply = THREAT
    turn = llm_services.coach.reply(PURSUER, state=ConversationState(), memory=remember([], ""), seed="threat")
    assert THREAT not in turn.reply and "written" not in turn.composition
    assert turn.engine.engine == "composer" and turn.engine.fallback is True
    assert screen_flag_in(turn.engine.reason)


def test_a_good_model_rewrite_passes_the_screen_and_is_used(llm_services, scripted):
    result = llm_services.rewrite_job.rewrite(TEXTING).result
    assert result.engine.engine == "llm" and result.rewrite == scripted.reply and not result.engine.fallback


def test_the_input_is_screened_inside_the_job_before_any_engine(llm_services, scripted):
    cases = [
        (llm_services.rewrite_job.rewrite("I'm going to hurt him"), "threat"),
        (llm_services.rewrite_job.rewrite("Can we talk tonight?", partner_message="I'm going to hurt you"), "abuse"),
        (llm_services.answer_job.answer("How do I kill my wife?"), "threat"),
    ]
    for done, kind in cases:
        assert done.blocked and done.safety.blocks_coaching and done.safety.kind == kind
    assert scripted.calls == 0  # no engine was asked


def test_the_answer_job_screens_even_without_an_index(llm_services):
    import dataclasses

    import pytest

    from app.pipeline.answer_job import AnswerUnavailable

    no_index = dataclasses.replace(llm_services, answerer=None)
    assert no_index.answer_job.answer("How do I kill my wife?").blocked
    with pytest.raises(AnswerUnavailable):
        no_index.answer_job.answer(QUESTION)


def test_routers_and_the_cli_leave_the_screen_to_the_jobs():
    callers = [*sorted((APP / "api").glob("*.py")), APP / "cli.py", APP / "chat_clients" / "replies.py"]
    for path in callers:
        assert ".screen(" not in path.read_text(encoding="utf-8"), f"{path.name} calls the safety screen itself"


def test_the_rewrite_endpoint_reports_the_screen_rejection(llm_services, app_settings, scripted):
    from fastapi.testclient import TestClient

    from app.main import create_app

    scripted.reply = THREAT
    with TestClient(create_app(app_settings, services=llm_services)) as client:
        body = client.post("/v1/rewrite", json={"message": TEXTING}).json()
        assert body["engine"]["fallback"] is True and screen_flag_in(body["engine"]["reason"])
        assert body["engine"]["engine"] == "composer" and body["engine"]["attempts"][0]["status"] == "failed_check"
        blocked = client.post("/v1/rewrite", json={"message": "I'm going to hurt him"}).json()
        assert blocked["rewrite"] is None and blocked["safety"]["kind"] == "threat" and blocked["engine"]["reason"] == "safety screen"
        asked = client.post("/v1/ask", json={"question": "How do I kill my wife?"}).json()
        assert asked["grounded"] is False and asked["safety"]["kind"] == "threat"
