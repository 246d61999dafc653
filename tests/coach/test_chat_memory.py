"""What the coach remembers: a few recent messages word for word and a summary written by our code."""

from __future__ import annotations

from dataclasses import dataclass

from app.reply.memory import MAX_RECENT_CHARS, RECENT_MESSAGES, remember, summarise
from app.reply.state import ConversationState, note_safety, note_technique
from app.reply.techniques import TechniqueCatalogue
from tests.locale_files import KNOWLEDGE_DIRS, LOCALE


@dataclass
class Message:
    seq: int
    role: str
    text: str


def test_remember_keeps_the_last_messages_cut_to_size():
    messages = [Message(n, "user" if n % 2 else "coach", f"message {n} " + "x" * (2000 if n == 99 else 10)) for n in range(1, 100)]
    memory = remember(messages, "a summary")
    assert len(memory.recent) == RECENT_MESSAGES
    assert [m.text.split()[1] for m in memory.recent] == [str(n) for n in range(94, 100)]
    assert all(len(m.text) <= MAX_RECENT_CHARS for m in memory.recent)
    assert memory.context_chars <= len("a summary") + RECENT_MESSAGES * MAX_RECENT_CHARS
    assert remember([], "").context_chars == 0


def test_the_summary_names_role_topic_wants_techniques_and_safety():
    catalogue = TechniqueCatalogue.load(LOCALE.techniques, KNOWLEDGE_DIRS)
    state = ConversationState(
        turn=12,
        role="pursuer",
        partner="he",
        escalation=0.7,
        escalation_history=[0.5, 0.7],
        flooded=True,
        want_counts={"connection": 5, "to be heard": 2, "space": 1},
        topic_counts={"texting": 4, "chores": 1},
    )
    for n, technique in enumerate(["self_check", "time_out", "self_check", "name_the_dance"] * 10):
        state = note_technique(state, technique)
    state = note_safety(state, "crisis", "self_harm")
    summary = summarise(state, catalogue, {"texting": "hearing from each other during the day"})
    assert summary.startswith("13 turns so far.")
    assert "pursuer" in summary and "him" in summary
    assert "hearing from each other during the day" in summary
    assert "to feel close again" in summary and "to be heard" in summary
    assert "flooded" in summary and "rising" in summary
    assert summary.count("The self-check before reaching out") == 1
    assert "The 20-minute break" in summary and "Naming the dance together" in summary
    assert "self_harm" in summary
    assert len(summary) < 900
    assert summarise(ConversationState(), catalogue) == ""
