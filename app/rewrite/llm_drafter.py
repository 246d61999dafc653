"""Asks a chat model for a rewrite draft, with the message quoted as data, and cleans the answer."""

from __future__ import annotations

import logging
import re

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from app.rewrite.checks import wants_break
from app.detect.types import Analysis
from app.backends.llm.calls import ModelCallTimeout, invoke_with_timeout
from app.prompts import PromptLibrary
from app.settings import DEFAULT_LLM_TIMEOUT_S

log = logging.getLogger(__name__)


class DraftError(RuntimeError):
    """The model failed, timed out or answered with nothing usable."""


_PREAMBLE = re.compile(
    r"^\s*(?:(?:sure|okay|ok|certainly|of course|absolutely)[!,.]?\s*)?"
    r"(?:here(?:'s| is| are)|below is|this is|i(?:'ve| have) rewritten|rewritten|rewrite|revised|"
    r"soft(?:er)?(?:\s+start(?:-|\s)?up)?|a\s+(?:softer|gentler|kinder)|gentler|kinder|break script|new message|message)"
    r"[^\n:]{0,80}:\s*",
    re.IGNORECASE,
)
_BARE_ACK = re.compile(r"^\s*(?:sure|okay|ok|certainly|of course|absolutely)[!,.]\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»`"
_MESSAGE_TAG = re.compile(r"</?\s*message\s*>", re.IGNORECASE)


def clean_draft(content: object) -> str:
    """The rewrite itself: no preamble ("Here is a rewrite:"), quotes, tags or trailing commentary."""
    if isinstance(content, list):  # content blocks
        content = " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    text = _MESSAGE_TAG.sub("", str(content or "")).strip()
    for _ in range(3):
        stripped = _BARE_ACK.sub("", _PREAMBLE.sub("", text, count=1), count=1).strip()
        if stripped == text:
            break
        text = stripped
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    text = paragraphs[0] if paragraphs else ""
    text = re.sub(r"^\s*(?:[-*>]\s+|\*\*)", "", text).replace("**", "")
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1]
    elif text and text[0] in "\"“" and text.count(text[0]) + text.count("”") >= 2:
        closing = max(text.rfind("\""), text.rfind("”"))
        if closing > 0:
            text = text[1:closing]
    return re.sub(r"\s+", " ", text).strip().strip(_QUOTES).strip()


def quote_as_data(message: str) -> str:
    """The message with anything that could close our <message> quote neutralised."""
    return message.replace("<", "‹").replace(">", "›")


class LLMDrafter:
    """Builds the system + user prompt from ``prompts/rewrite_llm_*.md`` and calls the model."""

    def __init__(self, *, llm: BaseChatModel, prompts: PromptLibrary, timeout_s: float = DEFAULT_LLM_TIMEOUT_S):
        self.llm = llm
        self.prompts = prompts
        self.timeout_s = timeout_s

    def messages(self, analysis: Analysis, *, topic_label: str | None = None, need: str | None = None):
        kinds = {flag.kind for flag in analysis.flags}
        if wants_break(analysis):
            task = "rewrite_llm_task_break"
        elif "defensiveness" in kinds:
            task = "rewrite_llm_task_defensive"
        else:
            task = "rewrite_llm_task_softstart"
        findings = "\n".join(f"- {flag.kind}: {flag.why}" for flag in analysis.flags) or "- nothing harsh"
        user = self.prompts.render(
            "rewrite_llm_user",
            task=self.prompts.get(task),
            findings=findings,
            topic=topic_label or analysis.topic or "not recognised",
            need=need or analysis.need or "not recognised",
            message=quote_as_data(analysis.message),
        )
        return [SystemMessage(content=self.prompts.get("rewrite_llm_system")), HumanMessage(content=user)]

    def draft(self, analysis: Analysis, *, topic_label: str | None = None, need: str | None = None) -> str:
        messages = self.messages(analysis, topic_label=topic_label, need=need)
        try:
            reply = invoke_with_timeout(self.llm, messages, self.timeout_s)
        except ModelCallTimeout as exc:
            raise DraftError(str(exc)) from exc
        except Exception as exc:  # any model/transport error means: use our own composer
            raise DraftError(f"the language model failed ({type(exc).__name__})") from exc
        text = clean_draft(getattr(reply, "content", reply))
        if not text:
            raise DraftError("the language model returned an empty draft")
        return text
