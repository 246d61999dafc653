"""Value types shared by the safety screen and everything that consumes its verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SafetyLevel = Literal["none", "concern", "crisis"]
SafetyKind = Literal[
    "self_harm", "abuse", "coercion", "threat", "harm_to_partner", "control_request", "partner_suicide_threat"
]
# Who is in danger from whom, decided with the kind and before any wording is chosen:
# self = the sender may hurt themselves; victim = the sender is harmed or threatened by the partner;
# perpetrator = the sender threatens, controls or wants to harm someone; partner = the partner threatens suicide.
SafetyDirection = Literal["none", "self", "victim", "perpetrator", "partner"]

SAFETY_LEVELS: tuple[SafetyLevel, ...] = ("none", "concern", "crisis")
SAFETY_KINDS: tuple[SafetyKind, ...] = (
    "self_harm",
    "abuse",
    "coercion",
    "threat",
    "harm_to_partner",
    "control_request",
    "partner_suicide_threat",
)
DIRECTION_OF_KIND: dict[str, SafetyDirection] = {
    "self_harm": "self",
    "abuse": "victim",
    "coercion": "victim",
    "threat": "perpetrator",
    "harm_to_partner": "perpetrator",
    "control_request": "perpetrator",
    "partner_suicide_threat": "partner",
}


@dataclass(frozen=True)
class Resource:
    """One place a person can turn to for help (hotline, text line, emergency number)."""

    name: str
    contact: str
    description: str
    url: str | None = None


@dataclass(frozen=True)
class SafetyResult:
    """The screen's verdict on one text.

    ``matched`` holds short rule ids that fired, never the user's words.
    ``message`` is the caring reply to show instead of coaching (empty when level is "none").
    """

    level: SafetyLevel
    kind: SafetyKind | None
    resources: list[Resource] = field(default_factory=list)
    message: str = ""
    matched: list[str] = field(default_factory=list)
    language: str = "en"
    engines: tuple[str, ...] = ()  # which engines found it: "rules", "rules:es", "model", "semantic"

    @property
    def direction(self) -> SafetyDirection:
        return DIRECTION_OF_KIND.get(self.kind, "none") if self.kind else "none"

    @property
    def blocks_coaching(self) -> bool:
        return self.level != "none"


SAFE = SafetyResult(level="none", kind=None, resources=[], message="", matched=[])
