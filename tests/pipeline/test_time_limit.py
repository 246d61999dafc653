"""One time limit: ``SOFTSTART_LLM__TIMEOUT_S=1`` and a model that sleeps 3 s make rewrite, answer and
chat each fall back within about a second (the services come from the composition root)."""

from __future__ import annotations

import time

import pytest

from app.reply.memory import remember
from app.reply.state import ConversationState
from tests.pipeline.conftest import PURSUER, QUESTION, TEXTING

LIMIT_S = 2.5


def rewrite(services):
    return services.rewrite_job.rewrite(TEXTING).result.engine


def answer(services):
    return services.answer_job.answer(QUESTION).result.engine


def chat(services):
    return services.coach.reply(PURSUER, state=ConversationState(), memory=remember([], ""), seed="time-limit").engine


@pytest.mark.parametrize("job", [rewrite, answer, chat], ids=["rewrite", "answer", "chat"])
def test_a_model_that_sleeps_past_the_limit_falls_back_within_about_a_second(llm_services, scripted, job):
    job(llm_services)  # warm: the job's own first-call costs are not the model's
    scripted.sleep_s = 3.0
    started = time.perf_counter()
    engine = job(llm_services)
    took = time.perf_counter() - started
    assert took < LIMIT_S, f"{job.__name__} took {took:.1f}s"
    assert engine.engine == "composer" and engine.fallback is True and "timed out after 1s" in engine.reason
    llm = next(a for a in engine.attempts if a.engine == "llm")
    assert llm.status == "timeout" and 0.9 <= llm.seconds < LIMIT_S
