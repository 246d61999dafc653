"""In-process llama.cpp as a LangChain chat model.

One llama.cpp context cannot serve two generations at once, so every call holds a lock:
concurrent requests queue instead of corrupting each other.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

ROLE_OF = {"human": "user", "ai": "assistant", "system": "system"}


def to_llama_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    return [{"role": ROLE_OF.get(m.type, "user"), "content": str(m.content)} for m in messages]


class LlamaCppChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_name: str = "SmolLM2-135M-Instruct"
    temperature: float = 0.3
    max_tokens: int = 256
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def load(cls, path: Path, *, n_ctx: int = 2048, n_threads: int = 2, **fields: Any) -> "LlamaCppChatModel":
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ImportError(
                "The llamacpp backend needs llama-cpp-python: install with `uv pip install -e '.[local-llm]'` "
                "(see the README for the build flags this machine needs)."
            ) from exc
        model = cls(**fields)
        model._llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)
        return model

    @property
    def _llm_type(self) -> str:
        return "llamacpp-inprocess"

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def _params(self, stop: list[str] | None, kwargs: dict) -> dict:
        return {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": stop or [],
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            out = self._llama.create_chat_completion(messages=to_llama_messages(messages), **self._params(stop, kwargs))
        text = out["choices"][0]["message"].get("content") or ""
        usage = out.get("usage", {})
        return ChatResult(
            generations=[ChatGeneration(message=AIMessage(content=text))],
            llm_output={"token_usage": usage, "model_name": self.model_name},
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for part in self._llama.create_chat_completion(
                messages=to_llama_messages(messages), stream=True, **self._params(stop, kwargs)
            ):
                delta = part["choices"][0].get("delta", {}).get("content")
                if delta:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                    if run_manager:
                        run_manager.on_llm_new_token(delta, chunk=chunk)
                    yield chunk
