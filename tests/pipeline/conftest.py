"""Services built by the composition root (``build_services``) over a fake chat model whose behaviour a
test sets: what it writes and how long it sleeps first. The time limit comes from the environment,
``SOFTSTART_LLM__TIMEOUT_S=1``, as in production."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from tests.conftest import REPO_ROOT

TEXTING = "You never text me back. Do you even care about me?"
QUESTION = "How long should a break last when we fight?"
PURSUER = "He hasn't answered my texts all evening and I keep texting him."


@dataclass
class Script:
    """What the fake model does on its next calls."""

    reply: str = "I feel anxious when I don't hear from you. Could you send me a quick text when you're running late?"
    sleep_s: float = 0.0
    calls: int = 0


SCRIPT = Script()


class ScriptedChatModel(FakeListChatModel):
    """A fake chat model (LangChain's own fake, so every adapter treats it as a real backend) that follows
    ``SCRIPT``."""

    def _call(self, *args, **kwargs) -> str:
        SCRIPT.calls += 1
        if SCRIPT.sleep_s:
            time.sleep(SCRIPT.sleep_s)
        return SCRIPT.reply


@pytest.fixture(scope="session")
def script() -> Script:
    return SCRIPT


@pytest.fixture(scope="session")
def llm_services(app_settings, embedder, services, script):
    """Everything from ``build_services`` with the fake model and a 1 s limit from the environment
    (the shared ``services`` fixture has built the index in the same data folder already)."""
    import app.services as composition
    from app.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTSTART_LLM__TIMEOUT_S", "1")
        patch.setenv("SOFTSTART_LLM__BACKEND", "fake")
        patch.setenv("SOFTSTART_ENVIRONMENT", "test")
        patch.setenv("SOFTSTART_DATA_DIR", str(app_settings.data_dir))
        patch.setenv("SOFTSTART_KNOWLEDGE_DIRS", f'["{REPO_ROOT / "knowledge"}"]')
        patch.setenv("SOFTSTART_RATE_LIMIT_PER_MINUTE", "0")
        settings = get_settings()
        assert settings.llm.timeout_s == 1.0
        patch.setattr(composition, "build_chat_model", lambda llm: ScriptedChatModel(responses=["unused"]))
        built = composition.build_services(settings, embedder=embedder)
    yield built
    built.db_engine.dispose()


@pytest.fixture
def scripted(script):
    """Starts each test with a fresh count and resets the script after it."""
    script.calls = 0
    yield script
    script.reply, script.sleep_s, script.calls = Script().reply, 0.0, 0
