"""Chat sessions end to end: the store keeps messages and state, the coach produces turns.

``post`` commits the user's message before any coaching starts, so an acknowledged message is
never lost: if the coach fails, ``ReplyFailed`` carries the stored message and the session
stays usable. Turns of one session are taken one at a time (in this process); different
sessions run in parallel.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass

from app.reply.memory import RECENT_MESSAGES, remember
from app.reply.service import ChatCoach
from app.reply.state import ConversationState
from app.reply.turn import CoachTurn
from app.sessions.store.repository import NewSession, SessionNotFound, SessionStore, StoredMessage

log = logging.getLogger(__name__)

__all__ = ["Conversations", "Exchange", "ReplyFailed", "SessionNotFound"]


@dataclass(frozen=True)
class Exchange:
    """One user message and the coach's stored reply to it."""

    session_id: str
    user_message: StoredMessage
    reply: StoredMessage
    turn: CoachTurn


class ReplyFailed(RuntimeError):
    """The coach could not reply; the user's message is stored (``user_message``)."""

    def __init__(self, session_id: str, user_message: StoredMessage, cause: BaseException):
        super().__init__(f"the coach could not reply ({type(cause).__name__})")
        self.session_id = session_id
        self.user_message = user_message
        self.cause = cause


class Conversations:
    def __init__(self, store: SessionStore, coach: ChatCoach, *, recent_messages: int = RECENT_MESSAGES):
        self.store = store
        self.coach = coach
        self.recent_messages = recent_messages
        self._locks: weakref.WeakValueDictionary[str, _SessionLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    def start(self) -> NewSession:
        return self.store.create_session()

    def authenticate(self, session_id: str, token: str | None) -> bool:
        return bool(token) and self.store.authenticate(session_id, token)

    def history(self, session_id: str) -> list[StoredMessage]:
        return self.store.list_messages(session_id)

    def delete(self, session_id: str) -> bool:
        return self.store.delete_session(session_id)

    def post(self, session_id: str, text: str) -> Exchange:
        """Store the message, coach it, store the reply and the new state; ``SessionNotFound`` or ``ReplyFailed``."""
        lock = self._lock_for(session_id)
        with lock:
            user_message = self.store.add_message(session_id, "user", text)
            try:
                return self._answer(session_id, user_message)
            except SessionNotFound:
                raise  # deleted while we were working: nothing left to reply to
            except Exception as exc:
                log.exception("chat: no reply for message %d of session %s", user_message.seq, session_id)
                raise ReplyFailed(session_id, user_message, exc) from exc

    def _answer(self, session_id: str, user_message: StoredMessage) -> Exchange:
        raw_state, summary = self.store.load_state(session_id)
        earlier = [
            m
            for m in self.store.list_messages(session_id, limit=self.recent_messages + 1)
            if m.seq != user_message.seq
        ]
        memory = remember(earlier, summary, limit=self.recent_messages)
        turn = self.coach.reply(
            user_message.text, state=ConversationState.from_dict(raw_state), memory=memory, seed=session_id
        )
        reply = self.store.add_message(session_id, "coach", turn.reply, meta=turn.meta())
        self.store.save_state(session_id, turn.state.to_dict(), turn.summary)
        return Exchange(session_id=session_id, user_message=user_message, reply=reply, turn=turn)

    def _lock_for(self, session_id: str) -> "_SessionLock":
        with self._locks_guard:
            lock = self._locks.get(session_id)
            if lock is None:
                lock = _SessionLock()
                self._locks[session_id] = lock
            return lock


class _SessionLock:
    """A lock that can be held in a WeakValueDictionary (it lives while a turn holds it)."""

    __slots__ = ("_lock", "__weakref__")

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> "_SessionLock":
        self._lock.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self._lock.release()
