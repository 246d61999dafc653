"""The real local model (SmolLM2-135M, llama.cpp) behind llama.cpp's OpenAI-compatible server.

Drives the ``openai`` backend through the real protocol, streaming included, and the ask feature
through it end to end. Slow (a model loads), but it runs in CI.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from app.backends.llm.factory import build_chat_model, packaged_gguf_path
from app.settings import LLMSettings
from tests.locale_files import LOCALE

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(packaged_gguf_path()), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("llama_cpp.server did not come up within 120 s")
    yield base_url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log_file.close()


@pytest.fixture(scope="module")
def openai_settings(llama_server) -> LLMSettings:
    return LLMSettings(backend="openai", base_url=llama_server, model="smollm2", timeout_s=120, max_retries=0, max_tokens=48, temperature=0)


def test_openai_backend_generates_through_the_real_server(openai_settings):
    model = build_chat_model(openai_settings)
    reply = model.invoke([SystemMessage(content="You are a kind assistant."), HumanMessage(content="Say hello in five words.")])
    assert isinstance(reply.content, str) and reply.content.strip()
    assert reply.response_metadata.get("model_name")


def test_openai_backend_streams_tokens(openai_settings):
    model = build_chat_model(openai_settings)
    chunks = [chunk.content for chunk in model.stream([HumanMessage(content="Count from one to ten in words.")])]
    text_chunks = [c for c in chunks if c]
    assert len(text_chunks) > 3, "a streamed reply arrives in several pieces"
    assert "".join(text_chunks).strip()


def test_ask_through_the_real_model_is_checked_before_it_is_shown(openai_settings, services):
    from app.answer.grounding import check_grounded
    from app.services import build_answerer

    settings = services.settings.model_copy(update={"llm": openai_settings})
    answerer = build_answerer(settings, services.index, services.prompts, build_chat_model(openai_settings))
    result = answerer.answer("Why does my partner shut down when I bring up a problem?")
    assert result.grounded and result.sources
    assert result.engine.backend == "openai"
    if result.engine.fallback:
        assert result.engine.reason  # the 135M model's draft was rejected: the reason is reported
        assert "[1]" in result.answer
    else:
        assert check_grounded(result.answer, result.question, result.sources).passed


def test_rewrite_through_the_real_model_passes_the_same_checks(openai_settings, services):
    from app.rewrite.rewriter import Rewriter

    rewriter = Rewriter(embedder=services.embedder, prompts=services.prompts, locale=LOCALE, llm=build_chat_model(openai_settings), llm_name="openai", llm_model="smollm2")
    result = rewriter.rewrite("You never text me back. Do you even care about me?")
    assert result.engine.backend == "openai"
    assert not result.unchanged
    assert rewriter.check(result.analysis, result.rewrite).passed
    if result.engine.fallback:
        assert result.engine.reason
