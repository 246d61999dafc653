"""One chat-client turn: the conversation in, the reply text out (domain logic, no HTTP).

``softstart-coach`` goes through the chat coach: with a stable client key the turn is stored in a
session of its own (memory, safety mode and safety for two carry over, as in the native API);
without one it is stateless, with the request's messages as the context. ``softstart-rewrite``
and ``softstart-ask`` go through the same job services as ``/v1/rewrite`` and ``/v1/ask`` (the screen first).
Safety resources are written into the reply text, since chat clients show only text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from app.chat_clients.models import UnknownModel
from app.reply.memory import RECENT_MESSAGES, remember
from app.reply.state import ConversationState
from app.screen.types import SafetyResult
from app.sessions.store.couples import CoupleStore
from app.sessions.store.repository import SessionNotFound
from app.pipeline.answer_job import AnswerUnavailable  # noqa: F401 - raised by softstart-ask while the index is not ready
from app.together.gate import resources_text

log = logging.getLogger(__name__)

STATELESS_SEED = "chat-client"
MAX_REPLAYED = 8  # earlier user messages a stateless call replays to rebuild the coach's state


@dataclass(frozen=True)
class ClientMessage:
    seq: int
    role: str  # "user" | "coach" (an assistant's message)
    text: str


@dataclass(frozen=True)
class ClientReply:
    text: str
    safety: SafetyResult | None


class ChatClientReplies:
    def __init__(self, services, couples: CoupleStore) -> None:  # services: app.services.Services
        self.services = services
        self.couples = couples

    def reply(self, model: str, conversation: Sequence[ClientMessage], client_key: str | None) -> ClientReply:
        last = next((m for m in reversed(conversation) if m.role == "user"), None)
        if last is None:
            raise ValueError("messages must contain at least one user message")
        match model:
            case "softstart-coach":
                return self._coach(conversation, last, client_key)
            case "softstart-rewrite":
                return self._rewrite(last.text)
            case "softstart-ask":
                return self._ask(last.text)
            case _:
                raise UnknownModel(model)

    # ------------------------------------------------------------------ modes
    def _coach(self, conversation: Sequence[ClientMessage], last: ClientMessage, client_key: str | None) -> ClientReply:
        if client_key:
            session_id = self._session_for(client_key)
            exchange = self.services.conversations.post(session_id, last.text)
            self.services.together.after_private_turn(session_id, exchange.turn.safety)
            return ClientReply(_with_resources(exchange.reply.text, exchange.turn.safety), exchange.turn.safety)
        earlier = [m for m in conversation if m is not last and m.role in ("user", "coach")]
        memory = remember(earlier[-(RECENT_MESSAGES + 1):], "", limit=RECENT_MESSAGES)
        state = ConversationState()
        replay = [m for m in earlier if m.role == "user"][-MAX_REPLAYED:]
        for message in replay:  # replay the user's side so role and safety mode are read as in a session
            state = self.services.coach.reply(message.text, state=state, memory=memory, seed=STATELESS_SEED).state
        turn = self.services.coach.reply(last.text, state=state, memory=memory, seed=STATELESS_SEED)
        return ClientReply(_with_resources(turn.reply, turn.safety), turn.safety)

    def _rewrite(self, text: str) -> ClientReply:
        screened = self.services.rewrite_job.rewrite(text)
        if screened.blocked:
            return ClientReply(resources_text(screened.safety), screened.safety)
        result = screened.result
        why = result.note.strip() or (result.explanation[0].why if result.explanation else "")
        return ClientReply(f"{result.rewrite}\n\nWhy: {why}".strip(), screened.safety)

    def _ask(self, question: str) -> ClientReply:
        screened = self.services.answer_job.answer(question)
        if screened.blocked:
            return ClientReply(resources_text(screened.safety), screened.safety)
        result = screened.result
        lines = [result.answer]
        if result.sources:
            lines.append("")
            lines.append("Sources:")
            lines.extend(f"[{i}] {p.title} ({p.source_id})" for i, p in enumerate(result.sources, start=1))
        return ClientReply("\n".join(lines), screened.safety)

    # ------------------------------------------------------------------ sessions
    def _session_for(self, client_key: str) -> str:
        session_id = self.couples.linked_session(client_key)
        if session_id is not None and self.services.sessions.exists(session_id):
            return session_id
        created = self.services.conversations.start()
        try:
            self.couples.link(client_key, created.id)
        except Exception:  # another request linked this key first: use theirs
            self.services.sessions.delete_session(created.id)
            linked = self.couples.linked_session(client_key)
            if linked is None:
                raise SessionNotFound(client_key[:8]) from None
            return linked
        return created.id


def _with_resources(text: str, safety: SafetyResult | None) -> str:
    if safety is None or not safety.blocks_coaching or not safety.resources:
        return text
    missing = [r for r in safety.resources if r.contact not in text]
    if not missing:
        return text
    lines = [text.rstrip(), ""]
    for resource in missing:
        line = f"- {resource.name}: {resource.contact}"
        if resource.url:
            line += f" ({resource.url})"
        lines.append(line)
    return "\n".join(lines)
