"""The technique catalogue: which technique fits this moment, and the article it comes from.

The catalogue is data (``<locale>/chat/techniques.yaml``: id -> when it fits, article, section,
template); the named conditions it refers to are the small predicates in ``CONDITIONS``.
Each technique is tied to a section of one of our knowledge articles, which the turn cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import yaml

from app.reply.state import ConversationState
from app.knowledge.articles import FRONT_MATTER
from app.rule_data import DataFileError, check_options, read_mapping, require

TECHNIQUE_OPTIONS = frozenset(
    {"id", "name", "article", "section", "template", "priority", "when", "unless", "cooldown", "for_intent"}
)
DEFAULT_COOLDOWN = 4
MAX_PASSAGE_CHARS = 600

ESCALATED = 0.45
CALM_ENOUGH = 0.55
LONG_SESSION_TURNS = 10
DRAFT_INTENTS = frozenset({"draft", "draft_break", "draft_unchanged"})
BREAK_MEMORY = 4  # turns during which an offered break counts as recent
BREAK_IDS = ("time_out", "time_out_for_space", "more_time", "break_script")


@dataclass(frozen=True)
class Moment:
    """What the catalogue looks at: the state after this message, and this message's facts."""

    state: ConversationState
    marks: frozenset[str]  # cue marks of this message
    flag_kinds: frozenset[str]  # analyzer flags of this message
    intent: str  # share | question | meta, or draft | draft_break | draft_unchanged


Condition = Callable[[Moment], bool]

CONDITIONS: dict[str, Condition] = {
    "flooded": lambda m: m.state.flooded,
    "not_flooded": lambda m: not m.state.flooded,
    "break_offered_recently": lambda m: any(m.state.offered(tid, within=BREAK_MEMORY) for tid in BREAK_IDS),
    "time_out_offered_recently": lambda m: any(m.state.offered(tid, within=BREAK_MEMORY) for tid in ("time_out", "more_time")),
    "back_from_break": lambda m: "took_break" in m.marks and any(m.state.offered(tid, within=8) for tid in BREAK_IDS),
    "pursuer": lambda m: m.state.role == "pursuer",
    "distancer": lambda m: m.state.role == "distancer",
    "role_known": lambda m: m.state.role != "unknown",
    "role_unknown": lambda m: m.state.role == "unknown",
    "escalated": lambda m: m.state.escalation >= ESCALATED,
    "calm_enough": lambda m: m.state.escalation < CALM_ENOUGH and not m.state.flooded,
    "reaching_out": lambda m: "reaching_out" in m.marks,
    "wants_talk": lambda m: "demand_talk" in m.marks or "demand" in m.flag_kinds,
    "wants_space_now": lambda m: "space" in m.state.wants[:1] or "partner_pursues" in m.marks,
    "closeness_and_space": lambda m: {"connection", "space"} <= set(m.state.want_counts)
    or ("wants_reconnect" in m.marks and m.state.role == "distancer"),
    "life_change_now": lambda m: "life_change" in m.marks,
    "dance_is_live": lambda m: "dance_again" in m.marks,
    "after_fight": lambda m: m.state.mark_recent("after_fight", within=3),
    "needs_support": lambda m: bool({"lonely", "reassurance"} & m.marks) and m.state.role != "distancer"
    or m.state.turn >= LONG_SESSION_TURNS and m.state.role == "pursuer",
    "pattern_persists": lambda m: "persistent" in m.marks or m.state.turn >= 3 * LONG_SESSION_TURNS,
    # the moment: is the partner there, was there an affair, is the user in danger, what they already tried
    "partner_gone": lambda m: m.state.partner_gone,
    "partner_present": lambda m: not m.state.partner_gone,
    "affair": lambda m: m.state.affair,
    "danger": lambda m: m.state.safety_mode or m.state.fears_partner,
    "angry": lambda m: bool({"angry", "intense"} & m.marks) or m.state.escalation >= ESCALATED,
    "heated": lambda m: m.state.flooded or m.state.escalation >= ESCALATED or bool({"angry", "intense", "flooded"} & m.marks),
    "settling": lambda m: "calming" in m.marks,
    # the feeling under a complaint: while complaining, or once settled after a heated stretch (not when simply calm)
    "feeling_under_complaint": lambda m: "calming" not in m.marks or _heated_recently(m.state),
    "tried_breathing": lambda m: "breathing" in m.state.tried,
    "tried_break": lambda m: "break" in m.state.tried,
    "asks_journal": lambda m: "journal" in m.marks,
    "anxious_checking": lambda m: "checking" in m.marks or bool({"anxious", "panicking"} & set(m.state.feelings[:2])),
    "partner_wants_space": lambda m: "partner_pursues" not in m.marks and ("partner_withdraws" in m.marks or m.state.partner_gone),
}


def _heated_recently(state: ConversationState, within: int = 4) -> bool:
    """Flooded, angry or intense in one of the last few turns before this one."""
    return any(
        state.marks_seen.get(mark) is not None and 0 < state.turn - state.marks_seen[mark] <= within
        for mark in ("flooded", "angry", "intense")
    )


@dataclass(frozen=True)
class TechniqueSource:
    """Where a technique comes from, as the turn cites it."""

    title: str
    source: str
    source_id: str  # "knowledge/<file>"
    section: str
    passage: str


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    article: str
    section: str
    template: str
    priority: int
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    cooldown: int = DEFAULT_COOLDOWN
    for_intent: str | None = None

    def fits(self, moment: Moment) -> bool:
        if self.for_intent is not None and moment.intent != self.for_intent:
            return False
        return all(CONDITIONS[name](moment) for name in self.when) and not any(
            CONDITIONS[name](moment) for name in self.unless
        )


class TechniqueCatalogue:
    def __init__(self, techniques: list[Technique], sources: dict[str, TechniqueSource]):
        self.techniques = techniques
        self._by_id = {t.id: t for t in techniques}
        self._sources = sources

    @classmethod
    def load(cls, path: Path, knowledge_dirs: Iterable[Path]) -> "TechniqueCatalogue":
        """Reads the catalogue (``<locale>/chat/techniques.yaml``) and resolves every technique's article section
        in the knowledge folders; a missing article, an unknown option or condition raises ``DataFileError``."""
        data = read_mapping(path)
        check_options(data, {"techniques"}, file=path, rule="(top level)")
        dirs = [Path(d) for d in knowledge_dirs]
        techniques, sources = [], {}
        for index, entry in enumerate(data.get("techniques") or []):
            if not isinstance(entry, dict) or not entry.get("id"):
                raise DataFileError(path, "a technique must be a mapping with an id", rule=f"#{index + 1}")
            check_options(entry, TECHNIQUE_OPTIONS, file=path, rule=str(entry["id"]))
            require(entry, ("name", "article", "section", "template", "priority"), file=path, rule=str(entry["id"]))
            technique = Technique(
                id=entry["id"],
                name=entry["name"],
                article=entry["article"],
                section=entry["section"],
                template=entry["template"],
                priority=int(entry["priority"]),
                when=tuple(entry.get("when") or ()),
                unless=tuple(entry.get("unless") or ()),
                cooldown=int(entry.get("cooldown", DEFAULT_COOLDOWN)),
                for_intent=entry.get("for_intent"),
            )
            unknown = [c for c in technique.when + technique.unless if c not in CONDITIONS]
            if unknown:
                raise DataFileError(path, f"unknown conditions {unknown}", rule=technique.id)
            techniques.append(technique)
            try:
                sources[technique.id] = _read_source(dirs, technique)
            except ValueError as exc:
                raise DataFileError(path, str(exc), rule=technique.id) from exc
        return cls(techniques, sources)

    def get(self, technique_id: str) -> Technique:
        return self._by_id[technique_id]

    def source(self, technique: Technique) -> TechniqueSource:
        return self._sources[technique.id]

    def choose(self, moment: Moment) -> Technique | None:
        """The best-fitting technique that was not offered too recently (never last turn's again)."""
        fitting = [t for t in self.techniques if t.fits(moment) and (t.for_intent is not None) == (moment.intent in DRAFT_INTENTS)]
        fitting.sort(key=lambda t: (-t.priority, moment.state.times_offered(t.id)))
        last = moment.state.last_technique
        if fitting and fitting[0].for_intent:  # a draft's own technique is always the one
            return fitting[0]
        fresh = [t for t in fitting if t.id != last and not (t.cooldown and moment.state.offered(t.id, within=t.cooldown))]
        if fresh:
            return fresh[0]
        # Everything that fits was offered lately: the one offered longest ago, never last turn's.
        others = [t for t in fitting if t.id != last]
        if not others:
            return None
        return min(others, key=lambda t: (moment.state.last_offered_turn(t.id), -t.priority))


def _read_source(dirs: list[Path], technique: Technique) -> TechniqueSource:
    for folder in dirs:
        path = folder / technique.article
        if path.is_file():
            raw = path.read_text(encoding="utf-8")
            meta_match = FRONT_MATTER.match(raw)
            meta = yaml.safe_load(meta_match.group(1)) if meta_match else {}
            body = raw[meta_match.end():] if meta_match else raw
            return TechniqueSource(
                title=str(meta.get("title") or technique.article),
                source=str(meta.get("source") or ""),
                source_id=f"{folder.name}/{technique.article}",
                section=technique.section,
                passage=_section_text(body, technique.section, technique.article),
            )
    raise ValueError(f"article {technique.article} not found in {[str(d) for d in dirs]}")


def _section_text(body: str, heading: str, article: str) -> str:
    """The opening of the section under ``heading`` (its first paragraphs, up to MAX_PASSAGE_CHARS)."""
    match = re.search(rf"^#+\s*{re.escape(heading)}\s*$", body, re.MULTILINE)
    if not match:
        raise ValueError(f"no section {heading!r} in {article}")
    rest = body[match.end():]
    following = re.search(r"^#+\s", rest, re.MULTILINE)
    section = rest[: following.start()] if following else rest
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", section) if p.strip()]
    passage = ""
    for paragraph in paragraphs:
        if passage and len(passage) + len(paragraph) > MAX_PASSAGE_CHARS:
            break
        passage = f"{passage} {paragraph}".strip()
    return passage[: MAX_PASSAGE_CHARS * 2]
