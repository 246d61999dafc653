"""What the coach carries from earlier turns: the last few messages verbatim plus a running
summary written by our own code from the state, so a long session stays coherent and the
context given to a language model stays bounded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Protocol

from app.reply.state import ConversationState
from app.reply.techniques import TechniqueCatalogue

RECENT_MESSAGES = 6
MAX_RECENT_CHARS = 800  # each remembered message is cut to this length
MAX_SUMMARY_TECHNIQUES = 6

WANT_WORDS = {
    "connection": "to feel close again",
    "space": "some room to breathe",
    "to be heard": "to be heard",
    "to fix it": "to fix things",
    "reassurance": "reassurance that the relationship is safe",
}


class MessageLike(Protocol):
    seq: int
    role: str
    text: str


@dataclass(frozen=True)
class RememberedMessage:
    role: str  # "user" | "coach"
    text: str


@dataclass(frozen=True)
class ConversationMemory:
    summary: str
    recent: tuple[RememberedMessage, ...]

    @property
    def context_chars(self) -> int:
        """Size of what a prompt would carry from earlier turns."""
        return len(self.summary) + sum(len(m.text) for m in self.recent)


def remember(messages: Iterable[MessageLike], summary: str, *, limit: int = RECENT_MESSAGES) -> ConversationMemory:
    """The last ``limit`` messages (each cut to MAX_RECENT_CHARS) and the stored summary."""
    recent = list(messages)[-limit:] if limit else []
    return ConversationMemory(
        summary=summary,
        recent=tuple(RememberedMessage(m.role, _cut(m.text)) for m in recent),
    )


def summarise(state: ConversationState, catalogue: TechniqueCatalogue, topic_labels: Mapping[str, str] | None = None) -> str:
    """A few plain sentences: role, main topic, what the user wants, techniques offered, safety.

    ``topic_labels`` names the analyzer's topic keys ("texting" -> "hearing from each other ...").
    """
    if state.turn == 0:
        return ""
    partner = {"he": "him", "she": "her"}.get(state.partner or "", "their partner")
    parts = [f"{state.turn} turns so far."]
    if state.role == "unknown":
        parts.append("The user's role in the cycle is not clear yet.")
    else:
        side = "reaches toward" if state.role == "pursuer" else "steps back from"
        parts.append(f"The user is most likely the {state.role} (the one who {side} {partner} under stress).")
    topic = state.main_topic
    if topic:
        parts.append(f"Main topic: {(topic_labels or {}).get(topic) or topic.replace('_', ' ')}.")
    if state.want_counts:
        top = sorted(state.want_counts.items(), key=lambda item: (-item[1], item[0]))[:2]
        parts.append("They want " + " and ".join(WANT_WORDS.get(w, w) for w, _ in top) + ".")
    trend = state.escalation_trend
    mood = "flooded" if state.flooded else ("heated" if state.escalation >= 0.45 else "fairly calm")
    parts.append(f"Right now they sound {mood} (escalation {state.escalation:.2f}, {trend}).")
    offered: list[str] = []
    for entry in reversed(state.techniques):
        name = _technique_name(catalogue, entry["id"])
        if name not in offered:
            offered.append(name)
        if len(offered) == MAX_SUMMARY_TECHNIQUES:
            break
    if offered:
        parts.append("Already offered: " + "; ".join(offered) + ".")
    if state.safety_events:
        last = state.safety_events[-1]
        parts.append(f"Safety: the screen stopped coaching at turn {last['turn']} ({last['kind'] or last['level']}); check in gently.")
    return " ".join(parts)


def _technique_name(catalogue: TechniqueCatalogue, technique_id: str) -> str:
    try:
        return catalogue.get(technique_id).name
    except KeyError:
        return technique_id.replace("_", " ")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_RECENT_CHARS else text[: MAX_RECENT_CHARS - 1].rstrip() + "…"
