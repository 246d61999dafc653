"""The coach's running picture of one conversation, and how each message updates it.

The state is plain data kept with the session (``SessionStore.save_state``) between turns:
the user's likely role with its evidence, how escalated and whether flooded they sound,
what they want, the topics and techniques so far, and which template variants were used.
``observe`` is a pure function: old state + what one message shows -> new state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.reply.signals import Signals
from app.detect.types import Analysis, Role

STATE_VERSION = 1
MAX_EVIDENCE = 6
MAX_HISTORY = 12
MAX_WANTS = 4
MAX_TECHNIQUE_LOG = 24
MAX_SAFETY_EVENTS = 5
MAX_VARIANT_MEMORY = 7  # a template with 8 variants says each once before any comes back
MAX_REPLY_MEMORY = 30
PARTNER_GONE_TURNS = 4

ROLE_LEAD = 1.0  # how far one role's score must lead the other's
ROLE_MIN_SCORE = 1.5
ESCALATION_CARRY = 0.45  # share of the previous escalation carried into the new one
TREND_STEP = 0.05
FLOODED_STAYS_ABOVE = 0.5
ANALYZER_FLOODED_LEVEL = 0.5

INTENSE_BONUS = 0.2
FLOODED_BONUS = 0.3
CALMING_DROP = 0.35


@dataclass
class ConversationState:
    """Everything the coach remembers about a conversation besides its messages."""

    turn: int = 0
    role: Role = "unknown"
    role_scores: dict[str, float] = field(default_factory=lambda: {"pursuer": 0.0, "distancer": 0.0})
    role_evidence: list[str] = field(default_factory=list)
    escalation: float = 0.0
    escalation_history: list[float] = field(default_factory=list)
    flooded: bool = False
    flooded_turns: int = 0  # consecutive turns the user has sounded flooded
    wants: list[str] = field(default_factory=list)  # most recent first
    want_counts: dict[str, int] = field(default_factory=dict)
    topic_counts: dict[str, int] = field(default_factory=dict)
    partner: str | None = None  # "he" / "she" once the user makes it clear
    marks_seen: dict[str, int] = field(default_factory=dict)  # mark -> last turn it showed
    techniques: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "turn"}], oldest first
    used_variants: dict[str, list[int]] = field(default_factory=dict)  # template -> recent variant numbers
    safety_events: list[dict[str, Any]] = field(default_factory=list)  # [{"turn", "level", "kind"}]
    last_intent: str | None = None
    last_used: dict[str, int] = field(default_factory=dict)  # part family ("move", ...) -> last turn used
    recent_replies: list[int] = field(default_factory=list)  # checksums of the last replies, to avoid repeats
    # memory the coach uses (see facts.py): the user's words and corrections win over guesses
    partner_name: str | None = None
    feelings: list[str] = field(default_factory=list)  # the user's own feeling words, most recent first
    events: list[str] = field(default_factory=list)  # what they told happened, oldest first
    tried: list[str] = field(default_factory=list)  # what they already tried ("breathing", "break", ...)
    role_fixed: bool = False  # the user told us their role: the cues no longer move it
    partner_gone_turn: int | None = None  # the turn the user last said the partner left / is not answering
    affair: bool = False
    fears_partner: bool = False
    offered_texts: list[str] = field(default_factory=list)  # drafts and suggested replies offered, oldest first
    partner_words: str | None = None  # the partner's last words the user pasted, kept for "how do I answer that?"
    draft_subject: str | None = None  # what the requested text is about, in the user's words (kept for revisions)
    cited: list[str] = field(default_factory=list)  # articles already linked in an answer
    said: list[int] = field(default_factory=list)  # checksums of the coach's sentences in this conversation
    # safety mode: once abuse, threats or self-harm are disclosed it stays on (see safety_mode.py)
    safety_mode: bool = False
    safety_kind: str | None = None
    safety_resources: list[str] = field(default_factory=list)  # "name: contact" lines shown while it holds
    version: int = STATE_VERSION

    # ------------------------------------------------------------------ derived
    @property
    def partner_gone(self) -> bool:
        """The partner left or is not answering, told in the last few turns (and not back since)."""
        return self.partner_gone_turn is not None and self.turn - self.partner_gone_turn < PARTNER_GONE_TURNS

    @property
    def escalation_trend(self) -> str:
        history = self.escalation_history
        if len(history) < 2:
            return "steady"
        change = history[-1] - history[-2]
        if change > TREND_STEP:
            return "rising"
        if change < -TREND_STEP:
            return "falling"
        return "steady"

    @property
    def main_topic(self) -> str | None:
        if not self.topic_counts:
            return None
        return max(self.topic_counts.items(), key=lambda item: item[1])[0]  # ties: the first one seen

    def offered(self, technique_id: str, *, within: int | None = None) -> bool:
        """Whether the technique was offered (in the last ``within`` turns, if given)."""
        for entry in self.techniques:
            if entry["id"] == technique_id and (within is None or self.turn - entry["turn"] < within):
                return True
        return False

    def last_offered_turn(self, technique_id: str) -> int:
        """The turn the technique was last offered (-1 if never)."""
        return max((entry["turn"] for entry in self.techniques if entry["id"] == technique_id), default=-1)

    def times_offered(self, technique_id: str) -> int:
        return sum(1 for entry in self.techniques if entry["id"] == technique_id)

    @property
    def last_technique(self) -> str | None:
        return self.techniques[-1]["id"] if self.techniques else None

    def mark_recent(self, mark: str, *, within: int = 1) -> bool:
        """Whether ``mark`` showed in one of the last ``within`` turns (this one included)."""
        seen = self.marks_seen.get(mark)
        return seen is not None and self.turn - seen < within

    @property
    def last_safety_turn(self) -> int | None:
        return self.safety_events[-1]["turn"] if self.safety_events else None

    # ------------------------------------------------------------------ storage
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ConversationState":
        """Tolerant of missing and unknown keys (older or newer state blobs)."""
        if not data:
            return cls()
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


# ---------------------------------------------------------------------- updates
def message_escalation(analysis: Analysis, signals: Signals) -> float:
    """How heated this one message sounds, 0..1."""
    caps = max(0.0, min(1.0, (signals.caps_share - 0.3) / 0.5))
    level = 0.65 * analysis.harshness + 0.45 * caps + min(signals.exclamations, 4) * 0.05
    marks = signals.marks
    if "intense" in marks:
        level += INTENSE_BONUS
    if "flooded" in marks or analysis.flooded:
        level += FLOODED_BONUS
    if "calming" in marks:
        level -= CALMING_DROP
    return round(max(0.0, min(1.0, level)), 3)


def _role_from(scores: dict[str, float], previous: Role) -> Role:
    pursuer, distancer = scores["pursuer"], scores["distancer"]
    if pursuer >= ROLE_MIN_SCORE and pursuer >= distancer + ROLE_LEAD:
        return "pursuer"
    if distancer >= ROLE_MIN_SCORE and distancer >= pursuer + ROLE_LEAD:
        return "distancer"
    return previous if abs(pursuer - distancer) < ROLE_LEAD and previous != "unknown" else "unknown"


def _role_evidence(turn: int, analysis: Analysis, signals: Signals) -> list[tuple[str, str]]:
    """(role, evidence line) pairs for this message."""
    found = [
        (hit.cue.role, f'turn {turn}: you said "{hit.quote}" ({hit.cue.label})')
        for hit in signals.hits
        if hit.cue.role is not None and hit.cue.weight >= 1.0
    ]
    evidence = [e for e in analysis.move_evidence if not e.startswith("flooding")]  # style, not a role
    if analysis.move in ("pursue", "withdraw") and evidence:
        role = "pursuer" if analysis.move == "pursue" else "distancer"
        if not any(r == role for r, _ in found):
            step = "reaching toward your partner" if role == "pursuer" else "stepping back"
            found.append((role, f"turn {turn}: {_short(evidence[0])} (sounds like {step})"))
    return found


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def observe(state: ConversationState, analysis: Analysis, signals: Signals) -> ConversationState:
    """The state after one more user message (the input state is not changed)."""
    turn = state.turn + 1
    scores = dict(state.role_scores)
    for role, weight in signals.role_votes().items():
        scores[role] = round(scores.get(role, 0.0) + weight, 3)
    if analysis.move == "pursue":
        scores["pursuer"] = round(scores["pursuer"] + 0.5, 3)
    elif analysis.move == "withdraw":
        scores["distancer"] = round(scores["distancer"] + 0.5, 3)
    role = state.role if state.role_fixed else _role_from(scores, state.role)
    evidence = list(state.role_evidence)
    for _, line in _role_evidence(turn, analysis, signals):
        evidence.append(line)
    evidence = evidence[-MAX_EVIDENCE:]

    level = message_escalation(analysis, signals)
    escalation = level if state.turn == 0 else ESCALATION_CARRY * state.escalation + (1 - ESCALATION_CARRY) * level
    escalation = round(max(0.0, min(1.0, escalation)), 3)
    history = (state.escalation_history + [escalation])[-MAX_HISTORY:]

    marks = signals.marks
    # The analyzer's flooding flags also fire on style alone ("?!"); in a chat they count once the
    # message is heated. Our own cues (racing heart, "I need to get out") and shouting count at once.
    flooded_now = "flooded" in marks or signals.shouting or (analysis.flooded and level >= ANALYZER_FLOODED_LEVEL)
    if "calming" in marks and not flooded_now:
        flooded = False
    else:
        flooded = flooded_now or (state.flooded and level >= FLOODED_STAYS_ABOVE)
    flooded_turns = state.flooded_turns + 1 if flooded else 0

    want_counts = dict(state.want_counts)
    wants = list(state.wants)
    new_wants = list(signals.wants)
    if "flooded" in marks and "space" not in new_wants and role == "distancer":
        new_wants.append("space")
    for want in new_wants:
        want_counts[want] = want_counts.get(want, 0) + 1
        if want in wants:
            wants.remove(want)
        wants.insert(0, want)
    wants = wants[:MAX_WANTS]

    topic_counts = dict(state.topic_counts)
    if analysis.topic:
        topic_counts[analysis.topic] = topic_counts.get(analysis.topic, 0) + 1

    marks_seen = dict(state.marks_seen)
    for mark in marks:
        marks_seen[mark] = turn
    if flooded:
        marks_seen["flooded"] = turn

    return replace(
        state,
        turn=turn,
        role=role,
        role_scores=scores,
        role_evidence=evidence,
        escalation=escalation,
        escalation_history=history,
        flooded=flooded,
        flooded_turns=flooded_turns,
        wants=wants,
        want_counts=want_counts,
        topic_counts=topic_counts,
        partner=signals.partner or state.partner,
        marks_seen=marks_seen,
        techniques=list(state.techniques),
        used_variants={k: list(v) for k, v in state.used_variants.items()},
        safety_events=list(state.safety_events),
        feelings=list(state.feelings),
        events=list(state.events),
        tried=list(state.tried),
        offered_texts=list(state.offered_texts),
        cited=list(state.cited),
        said=list(state.said),
    )


def note_safety(state: ConversationState, level: str, kind: str | None, resources: list[str] | None = None) -> ConversationState:
    """A turn that the safety screen stopped: counted, noted, nothing else learned from it."""
    turn = state.turn + 1
    events = (state.safety_events + [{"turn": turn, "level": level, "kind": kind}])[-MAX_SAFETY_EVENTS:]
    return replace(
        state,
        turn=turn,
        safety_events=events,
        escalation_history=list(state.escalation_history),
        techniques=list(state.techniques),
        used_variants={k: list(v) for k, v in state.used_variants.items()},
        last_intent="safety",
        safety_mode=True,
        safety_kind=kind or state.safety_kind,
        safety_resources=list(resources or state.safety_resources),
    )


def note_technique(state: ConversationState, technique_id: str) -> ConversationState:
    log = (state.techniques + [{"id": technique_id, "turn": state.turn}])[-MAX_TECHNIQUE_LOG:]
    return replace(state, techniques=log)


def note_variants(state: ConversationState, picks: dict[str, int]) -> ConversationState:
    """Remember the template variants used this turn, and the turn each part family was last used."""
    used = {k: list(v) for k, v in state.used_variants.items()}
    last_used = dict(state.last_used)
    for template, number in picks.items():
        used[template] = (used.get(template, []) + [number])[-MAX_VARIANT_MEMORY:]
        last_used[part_family(template)] = state.turn
    return replace(state, used_variants=used, last_used=last_used)


def note_reply(state: ConversationState, checksum: int) -> ConversationState:
    return replace(state, recent_replies=(state.recent_replies + [checksum])[-MAX_REPLY_MEMORY:])


def part_family(template: str) -> str:
    """"chat_move_pursue" -> "move", "chat_partner_view_unknown" -> "partner_view"."""
    for family in ("move", "partner_view", "reflect", "technique", "draft", "question"):
        if template.startswith(f"chat_{family}_"):
            return family
    return template.removeprefix("chat_")
