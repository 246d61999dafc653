"""Renders a reply plan with the templates in ``prompts/chat_*.md``.

Each template file holds several variants; which one is used depends on the session, the turn
number and the template (a stable hash), skipping the variants this template used in the
last few turns, so the coach does not open the same way twice in a row.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.prompts import PromptLibrary

PARTNER_WORDS = {
    "he": {"partner": "he", "Partner": "He", "partner_obj": "him", "partner_pos": "his", "Partner_pos": "His"},
    "she": {"partner": "she", "Partner": "She", "partner_obj": "her", "partner_pos": "her", "Partner_pos": "Her"},
    None: {
        "partner": "your partner",
        "Partner": "Your partner",
        "partner_obj": "your partner",
        "partner_pos": "your partner's",
        "Partner_pos": "Your partner's",
    },
}


@dataclass(frozen=True)
class Part:
    """One template of the reply; parts with the same ``paragraph`` number share a paragraph."""

    template: str
    paragraph: int
    label: str  # what the part does: reflect, move, partner_view, step, script, rewrite, answer, ...
    values: Mapping[str, str] = field(default_factory=dict)
    verbatim: bool = False  # ``template`` is literal text (a rewrite, an answer), not a template name


@dataclass(frozen=True)
class ComposedReply:
    text: str
    picks: dict[str, int]  # template -> variant number used
    composition: list[str]  # the parts' labels, in order


def partner_words(pronoun: str | None) -> dict[str, str]:
    return dict(PARTNER_WORDS.get(pronoun, PARTNER_WORDS[None]))


class VariantPicker:
    """Chooses a variant by (seed, turn, template), avoiding the ones used recently."""

    def __init__(self, seed: str, turn: int, recent: Mapping[str, Sequence[int]], *, shift: int = 0):
        self.seed = seed
        self.turn = turn
        self.recent = recent
        self.shift = shift  # another try: every template moves on by this many variants

    def pick(self, template: str, count: int) -> int:
        if count <= 1:
            return 0
        start = (zlib.crc32(f"{self.seed}:{self.turn}:{template}".encode()) + self.shift) % count
        avoid = set(list(self.recent.get(template, []))[-(count - 1):])
        for offset in range(count):
            number = (start + offset) % count
            if number not in avoid:
                return number
        return start


class ReplyComposer:
    def __init__(self, prompts: PromptLibrary):
        self.prompts = prompts

    def compose(self, parts: Sequence[Part], picker: VariantPicker, voice: Mapping[str, str]) -> ComposedReply:
        paragraphs: dict[int, list[str]] = {}
        picks: dict[str, int] = {}
        composition: list[str] = []
        for part in parts:
            if part.verbatim:
                text = part.template
            else:
                variants = self.prompts.variants(part.template)
                number = picker.pick(part.template, len(variants))
                picks[part.template] = number
                text = self.prompts.fill(variants[number], **{**voice, **part.values})
            text = text.strip()
            if text:
                paragraphs.setdefault(part.paragraph, []).append(text)
                composition.append(part.label)
        body = "\n\n".join(_join_sentences(paragraphs[key]) for key in sorted(paragraphs))
        return ComposedReply(text=body, picks=picks, composition=composition)

    def variant(self, template: str, picker: VariantPicker, voice: Mapping[str, str]) -> tuple[str, int]:
        """One variant of ``template``, filled (and its number)."""
        variants = self.prompts.variants(template)
        number = picker.pick(template, len(variants))
        return self.prompts.fill(variants[number], **voice).strip(), number


def _join_sentences(pieces: list[str]) -> str:
    """Pieces of one paragraph: joined by a space, or kept on their own lines when multi-line."""
    if any("\n" in piece for piece in pieces):
        return "\n\n".join(pieces)
    return " ".join(pieces)
