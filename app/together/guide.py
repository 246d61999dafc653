"""What the coach says in the shared space, built only from what each partner chose to share.

Pure functions over plain data (no store, no HTTP): the cycle in neutral words, a reflection of
each partner's feeling and need, what they share, one small step for each, and the techniques
for two from the knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.detect.types import Analysis
from app.prompts import PromptLibrary

# Feeling words looked for in what a partner shared, in order of preference.
FEELINGS = (
    ("scared", "afraid"), ("lonely", "lonely"), ("alone", "alone"), ("hurt", "hurt"),
    ("anxious", "anxious"), ("worried", "worried"), ("overwhelmed", "overwhelmed"),
    ("crowded", "crowded"), ("pressured", "pressured"), ("exhausted", "worn out"),
    ("tired", "worn out"), ("frustrated", "frustrated"), ("sad", "sad"), ("angry", "angry"),
    ("ignored", "unseen"), ("criticised", "criticised"), ("criticized", "criticised"),
)
ROLE_FEELING = {"pursuer": "worried about losing touch", "distancer": "overwhelmed", "unsure": "unsettled"}
ROLE_NEED = {"pursuer": "closeness and reassurance", "distancer": "some calm space, and to come back", "unsure": "to feel understood"}
NEED_FAMILIES = {
    "closeness": ("close", "connection", "reassurance", "hearing from you", "time together", "together", "attention"),
    "calm": ("calm", "space", "quiet", "break", "breathe", "room"),
    "respect": ("respect", "heard", "listen", "understood", "appreciat"),
}
TECHNIQUES = (
    ("name_the_dance", "together_technique_name_the_dance", "knowledge/naming-the-dance-together.md"),
    ("break_with_return", "together_technique_break", "knowledge/the-20-minute-break.md"),
    ("negotiate_space", "together_technique_negotiate", "knowledge/negotiating-closeness-and-space.md"),
)


@dataclass(frozen=True)
class PartnerInput:
    """One partner as the guide sees them: their role and what they chose to share, nothing else."""

    you: bool
    role: str
    shared: Sequence[str]
    agreed: bool = False


@dataclass(frozen=True)
class Reflection:
    you: bool
    feeling: str
    need: str
    text: str


@dataclass(frozen=True)
class Step:
    you: bool
    role: str
    text: str
    agreed: bool


@dataclass(frozen=True)
class Technique:
    id: str
    text: str
    source_id: str


@dataclass(frozen=True)
class Guidance:
    cycle: str
    reflections: list[Reflection] = field(default_factory=list)
    common_ground: str = ""
    steps: list[Step] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)


def feeling_in(text: str) -> str | None:
    lowered = text.lower()
    for word, label in FEELINGS:
        if re.search(rf"\b{word}\b", lowered):
            return label
    return None


def need_family(need: str) -> str | None:
    lowered = need.lower()
    for family, markers in NEED_FAMILIES.items():
        if any(marker in lowered for marker in markers):
            return family
    return None


def guide(
    partners: Sequence[PartnerInput], prompts: PromptLibrary, analyze: Callable[[str], Analysis], *, return_time: str = "eight"
) -> Guidance:
    reflections = [_reflect(p, prompts, analyze) for p in partners]
    steps = [
        Step(you=p.you, role=p.role, text=prompts.render(f"together_step_{p.role}", time=return_time), agreed=p.agreed)
        for p in partners
    ]
    techniques = [Technique(id=tid, text=prompts.get(name), source_id=source) for tid, name, source in TECHNIQUES]
    return Guidance(
        cycle=prompts.get("together_cycle"),
        reflections=reflections,
        common_ground=prompts.render("together_common", common=_common(reflections, prompts)),
        steps=steps,
        techniques=techniques,
    )


def _reflect(partner: PartnerInput, prompts: PromptLibrary, analyze: Callable[[str], Analysis]) -> Reflection:
    text = " ".join(partner.shared)
    feeling = feeling_in(text) or ROLE_FEELING[partner.role]
    need = (analyze(text).need if text.strip() else None) or ROLE_NEED[partner.role]
    who = "You" if partner.you else "Your partner"
    name = "together_reflect_you" if partner.you else "together_reflect_partner"
    return Reflection(you=partner.you, feeling=feeling, need=need, text=prompts.render(name, who=who, feeling=feeling, need=need))


def _common(reflections: Sequence[Reflection], prompts: PromptLibrary) -> str:
    families = [need_family(r.need) for r in reflections]
    if len(families) == 2 and families[0] is not None and families[0] == families[1]:
        return f"you both want {families[0]}"
    return prompts.get("together_common_default").strip()


def share_draft(user_texts: Sequence[str], prompts: PromptLibrary, analyze: Callable[[str], Analysis], role: str) -> str:
    """A first draft of a summary for the partner, from the author's own messages; they edit it before sharing."""
    text = " ".join(user_texts)
    feeling = feeling_in(text) or ROLE_FEELING.get(role, ROLE_FEELING["unsure"])
    need = (analyze(text).need if text.strip() else None) or ROLE_NEED.get(role, ROLE_NEED["unsure"])
    return prompts.render(
        "together_share_draft", feeling_line=f"lately I have been feeling {feeling}. ", need_line=f"What would help me is {need}."
    )
