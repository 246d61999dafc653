"""What a chat message says about the moment: role cues, wants, flooding, caps, the partner's pronoun.

The cue book is data (``<locale>/chat/cues.yaml``); this module only reads messages with it. Nothing
here keeps or logs message text: a ``CueHit`` holds the few matched words so the coach can
show the user its evidence ("you said ...") in the session state they own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.rule_data import DataFileError, check_options, read_mapping, require

CUE_OPTIONS = frozenset({"id", "label", "role", "weight", "wants", "marks", "patterns"})
MAX_QUOTE_CHARS = 60
MIN_LETTERS_FOR_CAPS = 12

PartnerPronoun = Literal["he", "she"]

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_HE = re.compile(r"\b(?:he|him|his|himself|he's|he'd|he'll|husband|boyfriend|bf|fianc[eé]|hubby)\b", re.I)
_SHE = re.compile(r"\b(?:she|her|hers|herself|she's|she'd|she'll|wife|girlfriend|gf|fianc[eé]e|wifey)\b", re.I)


@dataclass(frozen=True)
class Cue:
    id: str
    label: str
    role: Literal["pursuer", "distancer"] | None
    weight: float
    wants: tuple[str, ...]
    marks: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class CueHit:
    cue: Cue
    quote: str  # the matched words, at most MAX_QUOTE_CHARS


@dataclass(frozen=True)
class Signals:
    """What one message shows."""

    hits: tuple[CueHit, ...]
    caps_share: float  # share of letters in capitals (0 for short messages)
    exclamations: int
    partner: PartnerPronoun | None

    @property
    def marks(self) -> frozenset[str]:
        return frozenset(mark for hit in self.hits for mark in hit.cue.marks)

    @property
    def wants(self) -> list[str]:
        seen: list[str] = []
        for hit in self.hits:
            for want in hit.cue.wants:
                if want not in seen:
                    seen.append(want)
        return seen

    def role_votes(self) -> dict[str, float]:
        votes = {"pursuer": 0.0, "distancer": 0.0}
        for hit in self.hits:
            if hit.cue.role is not None:
                votes[hit.cue.role] += hit.cue.weight
        return votes

    @property
    def shouting(self) -> bool:
        return self.caps_share >= 0.6


def _compile(pattern: str, path: Path, rule: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except (re.error, TypeError) as exc:
        raise DataFileError(path, f"bad pattern: {exc}", rule=rule) from exc


def normalise(text: str) -> str:
    return text.translate(_APOSTROPHES)


def caps_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < MIN_LETTERS_FOR_CAPS:
        return 0.0
    return sum(1 for ch in letters if ch.isupper()) / len(letters)


def partner_pronoun(text: str) -> PartnerPronoun | None:
    """"he" or "she" when the message clearly talks about one of them, else None."""
    he, she = len(_HE.findall(text)), len(_SHE.findall(text))
    if he > she:
        return "he"
    if she > he:
        return "she"
    return None


class CueBook:
    """The cues of ``<locale>/chat/cues.yaml``, compiled."""

    def __init__(self, cues: list[Cue]):
        self.cues = cues

    @classmethod
    def load(cls, path: Path) -> "CueBook":
        """Strict: every cue has an id, a label and patterns; an unknown option or a bad pattern raises
        ``DataFileError`` naming the file, the cue and the problem."""
        data = read_mapping(path)
        check_options(data, {"cues"}, file=path, rule="(top level)")
        cues = []
        for index, entry in enumerate(data.get("cues") or []):
            if not isinstance(entry, dict) or not entry.get("id"):
                raise DataFileError(path, "a cue must be a mapping with an id", rule=f"#{index + 1}")
            rule = str(entry["id"])
            check_options(entry, CUE_OPTIONS, file=path, rule=rule)
            require(entry, ("label", "patterns"), file=path, rule=rule)
            role = entry.get("role")
            if role not in (None, "pursuer", "distancer"):
                raise DataFileError(path, "role must be pursuer, distancer or null", rule=rule)
            cues.append(
                Cue(
                    id=entry["id"],
                    label=entry["label"],
                    role=role,
                    weight=float(entry.get("weight", 0.0)),
                    wants=tuple(entry.get("wants") or ()),
                    marks=tuple(entry.get("marks") or ()),
                    patterns=tuple(_compile(p, path, rule) for p in entry["patterns"]),
                )
            )
        return cls(cues)

    def read(self, message: str) -> Signals:
        text = normalise(message)
        hits = []
        for cue in self.cues:
            for pattern in cue.patterns:
                match = pattern.search(text)
                if match:
                    hits.append(CueHit(cue, " ".join(match.group(0).split())[:MAX_QUOTE_CHARS]))
                    break
        return Signals(
            hits=tuple(hits),
            caps_share=caps_share(message),
            exclamations=message.count("!"),
            partner=partner_pronoun(text),
        )
