"""Every label of the corpus (see ``data/corpus/SCHEMA.md``), in one place."""

from __future__ import annotations

from typing import Literal

HarshKind = Literal["criticism", "contempt", "defensiveness", "stonewalling", "demand", "protest", "guilt_trip", "flooding"]
MoveLabel = Literal["pursue", "withdraw", "defend", "neutral"]
SafetyLabel = Literal["none", "self_harm", "abuse", "control", "threat", "partner_suicide_threat"]
Direction = Literal["none", "self", "victim", "perpetrator", "partner"]
Level = Literal["none", "concern", "crisis"]
IntentLabel = Literal[
    "share", "q_what", "q_why", "q_should", "q_yesno", "q_howlong", "q_how", "draft_request",
    "revise_firmer", "revise_softer", "revise_shorter", "revise_another",
    "correct_fact", "correct_role", "correct_feeling", "off_topic", "about_coach",
]
SpeakerLabel = Literal["none", "own_draft", "partner_words", "sent_text"]
Context = Literal["to_partner", "to_coach"]
LanguageCode = Literal["en", "es", "fr", "de", "pt"]

HARSH_KINDS: tuple[str, ...] = HarshKind.__args__  # type: ignore[attr-defined]
MOVES: tuple[str, ...] = MoveLabel.__args__  # type: ignore[attr-defined]
SAFETY_LABELS: tuple[str, ...] = SafetyLabel.__args__  # type: ignore[attr-defined]
DIRECTIONS: tuple[str, ...] = Direction.__args__  # type: ignore[attr-defined]
LEVELS: tuple[str, ...] = Level.__args__  # type: ignore[attr-defined]
INTENTS: tuple[str, ...] = IntentLabel.__args__  # type: ignore[attr-defined]
SPEAKERS: tuple[str, ...] = SpeakerLabel.__args__  # type: ignore[attr-defined]

# The one direction each safety label implies (the corpus schema fixes it).
DIRECTION_OF_SAFETY: dict[str, str] = {
    "none": "none",
    "self_harm": "self",
    "abuse": "victim",
    "control": "perpetrator",
    "threat": "perpetrator",
    "partner_suicide_threat": "partner",
}
