"""A LangChain chat model as the ``TextModel`` port: plain messages in, text out, within the time limit."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.backends.llm.calls import invoke_with_timeout
from app.pipeline.ports import ChatMessage

_MESSAGE_OF_ROLE = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


def to_langchain(messages: Sequence[ChatMessage]) -> list[BaseMessage]:
    return [_MESSAGE_OF_ROLE[m.role](content=m.content) for m in messages]


def content_text(content: object) -> str:
    """A reply's text (content blocks joined)."""
    if isinstance(content, list):
        return " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content or "")


class LangChainTextModel:
    """``complete(messages)`` on a ``BaseChatModel``; ``ModelCallTimeout`` (a ``ModelTimeout``) past ``timeout_s``."""

    def __init__(self, llm: BaseChatModel, *, backend: str, model: str | None, timeout_s: float):
        self.llm = llm
        self.backend = backend
        self.model = model
        self.timeout_s = timeout_s

    def complete(self, messages: Sequence[ChatMessage]) -> str:
        reply = invoke_with_timeout(self.llm, to_langchain(messages), self.timeout_s)
        return content_text(getattr(reply, "content", reply))
