"""Asks a chat model to write the coaching reply from the same state, memory and technique
our composer uses. The user's words go in as quoted data; the prompts are files in
``prompts/chat_llm_*.md``. The caller checks the answer before using it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from app.reply.memory import ConversationMemory
from app.reply.state import ConversationState
from app.reply.techniques import Technique, TechniqueSource
from app.backends.llm.calls import ModelCallTimeout, invoke_with_timeout
from app.prompts import PromptLibrary
from app.settings import DEFAULT_LLM_TIMEOUT_S

SYSTEM_PROMPT = "chat_llm_system"
USER_PROMPT = "chat_llm_user"


class ChatLLMError(RuntimeError):
    """The model failed, timed out or said nothing usable."""


@dataclass(frozen=True)
class WriterInput:
    message: str
    state: ConversationState
    memory: ConversationMemory
    summary: str  # the summary after this message
    technique: Technique | None
    technique_source: TechniqueSource | None
    partner: str  # how to refer to the partner: "he", "she" or "your partner"


def quote_as_data(text: str) -> str:
    """Text with anything that could close our <message> quote neutralised."""
    return text.replace("<", "‹").replace(">", "›")


def clean_reply(content: object) -> str:
    if isinstance(content, list):  # content blocks
        content = " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    text = re.sub(r"</?\s*(?:message|reply)\s*>", "", str(content or ""), flags=re.I).strip()
    text = re.sub(r"^(?:coach|assistant|reply)\s*:\s*", "", text, flags=re.I)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def turn_plan(given: WriterInput) -> str:
    """The turn plan as structured context: intent, the facts the user told, the technique, safety mode."""
    state = given.state
    facts = {
        "intent": state.last_intent or "share",
        "partner_name": state.partner_name,
        "partner_pronoun": state.partner,
        "user_feelings_in_their_words": state.feelings[:3],
        "events_told": [quote_as_data(e) for e in state.events[-3:]],
        "already_tried": state.tried,
        "already_suggested": [entry["id"] for entry in state.techniques[-4:]],
        "technique": given.technique.id if given.technique else None,
        "safety_mode": state.safety_mode,
        "partner_gone": state.partner_gone,
    }
    return "\n".join(f"- {key}: {value}" for key, value in facts.items() if value not in (None, [], ""))


class ChatLLMWriter:
    def __init__(self, *, llm: BaseChatModel, prompts: PromptLibrary, timeout_s: float = DEFAULT_LLM_TIMEOUT_S):
        self.llm = llm
        self.prompts = prompts
        self.timeout_s = timeout_s

    def messages(self, given: WriterInput) -> list:
        state = given.state
        recent = "\n".join(
            f"{'User' if m.role == 'user' else 'Coach'}: <message>{quote_as_data(m.text)}</message>" for m in given.memory.recent
        ) or "(this is the first message)"
        if given.technique is not None and given.technique_source is not None:
            step = f"{given.technique.name} (from the article \"{given.technique_source.title}\": {given.technique_source.passage})"
        else:
            step = "ask one gentle question to understand what happened"
        user = self.prompts.render(
            USER_PROMPT,
            summary=given.summary or "(nothing yet)",
            role=state.role,
            escalation=f"{state.escalation:.2f} ({state.escalation_trend})",
            flooded="yes" if state.flooded else "no",
            wants=", ".join(state.wants) or "not clear yet",
            partner=given.partner,
            recent=recent,
            step=step,
            message=quote_as_data(given.message),
            plan=turn_plan(given),
        )
        return [SystemMessage(content=self.prompts.get(SYSTEM_PROMPT)), HumanMessage(content=user)]

    def write(self, given: WriterInput) -> str:
        messages = self.messages(given)
        try:
            reply = invoke_with_timeout(self.llm, messages, self.timeout_s)
        except ModelCallTimeout as exc:
            raise ChatLLMError(str(exc)) from exc
        except Exception as exc:  # any model or transport error: the composer writes the reply
            raise ChatLLMError(f"backend error: {type(exc).__name__}") from exc
        text = clean_reply(getattr(reply, "content", reply))
        if not text:
            raise ChatLLMError("the language model returned an empty reply")
        return text
