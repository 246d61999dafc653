"""Loads the analyzer's data: the lexicon (``<locale>/analyzer_lexicon.yaml``), the topic table
(``<locale>/topics.yaml``) and the pattern sentences (``prompts/<locale>/analyzer_patterns.md``).

Loading is strict: every pattern has an id (``id:``, or ``<kind>.<n>`` counted from 1), and an unknown
option, kind, section or a bad regular expression raises ``DataFileError`` naming the file, the rule and
the problem.

The lexicon holds regular expressions over the normalised message (see ``app.detect.language``);
this module only compiles and validates them, it does not match anything.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # the stdlib's own regex parser: used only to find required literals
import re._parser as sre_parser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, get_args

from app.detect.types import FlagKind
from app.rule_data import DataFileError, check_options, read_mapping, require

FLAG_KINDS: tuple[FlagKind, ...] = get_args(FlagKind)

MACRO_RE = re.compile(r"%([A-Z_]+)%")
PATTERN_OPTIONS = frozenset(
    {"id", "re", "praise_guard", "question_guard", "polite_guard", "break_ok", "needs_complaint", "playful_guard"}
)
KIND_OPTIONS = frozenset({"why", "antidote", "patterns"})
TOPIC_OPTIONS = frozenset({"label", "need", "keywords"})
LEXICON_SECTIONS = frozenset({
    "macros", "respellings", "kinds", "positive_markers", "negative_markers", "playful_markers", "minimal_replies",
    "return_promise", "acronyms", "caps_positive_words", "english_words", "foreign_words",
})
REQUIRED_SECTIONS = ("kinds", "positive_markers", "negative_markers", "playful_markers", "minimal_replies", "return_promise")
SECTION_RE = re.compile(r"^##\s+([a-z0-9_]+)\s*$", re.MULTILINE)


class LexiconError(DataFileError):
    """A lexicon or topic table that cannot be loaded: names the file, the rule and the problem."""


@dataclass(frozen=True)
class KindPattern:
    """One regular expression for one flag kind, plus the guards that may veto a match."""

    regex: re.Pattern[str]
    praise_guard: bool = False
    question_guard: bool = False
    polite_guard: bool = False
    break_ok: bool = False
    needs_complaint: bool = False
    playful_guard: bool = False
    required: tuple[str, ...] = ()  # the text must contain one of these for the regex to match
    id: str = ""


@dataclass(frozen=True)
class KindRules:
    kind: FlagKind
    why: str
    antidote: str
    patterns: tuple[KindPattern, ...]


@dataclass(frozen=True)
class Topic:
    key: str
    need: str
    keywords: re.Pattern[str]
    label: str = ""


@dataclass(frozen=True)
class AnalyzerLexicon:
    respellings: Mapping[str, str]
    kinds: Mapping[str, KindRules]
    topics: tuple[Topic, ...]
    positive_markers: re.Pattern[str]
    negative_markers: re.Pattern[str]
    playful_markers: re.Pattern[str]
    minimal_replies: re.Pattern[str]
    return_promise: re.Pattern[str]
    acronyms: frozenset[str]
    caps_positive_words: frozenset[str]
    english_words: frozenset[str]
    foreign_words: frozenset[str]

    def rules(self, kind: str) -> KindRules:
        return self.kinds[kind]


class _Reader:
    """Compiles one file's patterns; every error names the file and the rule."""

    def __init__(self, file: Path | str, macros: Mapping[str, str]):
        self.file = str(file)
        self.macros = macros

    def error(self, rule: str | None, problem: str) -> LexiconError:
        return LexiconError(self.file, problem, rule=rule)

    def expand(self, pattern: str, rule: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.macros:
                raise self.error(rule, f"unknown macro %{name}%")
            return self.macros[name]

        return MACRO_RE.sub(replace, pattern)

    def compile(self, pattern: Any, rule: str) -> re.Pattern[str]:
        if not isinstance(pattern, str):
            raise self.error(rule, f"expected a regular expression (a string), found {type(pattern).__name__}")
        try:
            return re.compile(self.expand(pattern, rule))
        except re.error as exc:
            raise self.error(rule, f"bad regular expression: {exc}") from exc


def _literal_runs(items: Any) -> list[tuple[str, ...]]:
    """Literal strings every match must contain, as a list of any-of groups."""
    runs: list[tuple[str, ...]] = []
    current = ""
    for op, av in items:
        if op is sre_constants.LITERAL:
            current += chr(av)
            continue
        if current:
            runs.append((current,))
            current = ""
        if op is sre_constants.SUBPATTERN:
            runs.extend(_literal_runs(av[3]))
        elif op is sre_constants.BRANCH:
            alternatives: list[str] = []
            for branch in av[1]:
                sub = [run for run in _literal_runs(branch) if min(len(x) for x in run) >= 2]
                if not sub:
                    alternatives = []
                    break
                alternatives.extend(max(sub, key=lambda run: min(len(x) for x in run)))
            if alternatives:
                runs.append(tuple(alternatives))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            runs.extend(_literal_runs(av[2]))
    if current:
        runs.append((current,))
    return runs


def required_literals(pattern: str) -> tuple[str, ...]:
    """A cheap pre-check for a regex: one of these substrings must occur for it to match
    (empty when no such literal can be found). Lets the analyzer skip most patterns quickly."""
    try:
        runs = [run for run in _literal_runs(sre_parser.parse(pattern)) if min(len(x) for x in run) >= 2]
    except Exception:  # a parser change in a future Python: just skip the shortcut
        return ()
    if not runs:
        return ()
    return max(runs, key=lambda run: min(len(x) for x in run))


def _kind_pattern(entry: Any, reader: _Reader, default_id: str) -> KindPattern:
    if isinstance(entry, str):
        regex = reader.compile(entry, default_id)
        return KindPattern(regex, required=required_literals(regex.pattern), id=default_id)
    if not isinstance(entry, dict) or "re" not in entry:
        raise reader.error(default_id, "a pattern must be a string or a mapping with 're'")
    rule = str(entry.get("id") or default_id)
    check_options(entry, PATTERN_OPTIONS, file=reader.file, rule=rule, error=LexiconError)
    for option in PATTERN_OPTIONS - {"id", "re"}:
        if option in entry and not isinstance(entry[option], bool):
            raise reader.error(rule, f"option {option!r} must be true or false, found {entry[option]!r}")
    regex = reader.compile(entry["re"], rule)
    return KindPattern(
        regex=regex,
        required=required_literals(regex.pattern),
        praise_guard=entry.get("praise_guard", False),
        question_guard=entry.get("question_guard", False),
        polite_guard=entry.get("polite_guard", False),
        break_ok=entry.get("break_ok", False),
        needs_complaint=entry.get("needs_complaint", False),
        playful_guard=entry.get("playful_guard", False),
        id=rule,
    )


def _kind_rules(kind: Any, spec: Any, reader: _Reader) -> KindRules:
    if kind not in FLAG_KINDS:
        raise reader.error(str(kind), f"unknown flag kind (known: {', '.join(FLAG_KINDS)})")
    if not isinstance(spec, dict):
        raise reader.error(kind, "expected a mapping with why, antidote and patterns")
    check_options(spec, KIND_OPTIONS, file=reader.file, rule=kind, error=LexiconError)
    require(spec, ("why", "antidote"), file=reader.file, rule=kind, error=LexiconError)
    entries = spec.get("patterns") or []
    if not isinstance(entries, list):
        raise reader.error(kind, "patterns must be a list")
    patterns = tuple(_kind_pattern(entry, reader, f"{kind}.{i + 1}") for i, entry in enumerate(entries))
    ids = [p.id for p in patterns]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise reader.error(duplicates[0], "the id is used twice")
    return KindRules(kind=kind, why=str(spec["why"]), antidote=str(spec["antidote"]), patterns=patterns)


def topics_from_mapping(data: Mapping[str, Any], file: Path | str = "<topics>", macros: Mapping[str, str] | None = None) -> tuple[Topic, ...]:
    """The topic table: ``topics: {key: {label, need, keywords}}`` in matching order."""
    check_options(data, {"topics"}, file=file, rule="(top level)", error=LexiconError)
    reader = _Reader(file, macros or {})
    entries = data.get("topics")
    if not isinstance(entries, dict) or not entries:
        raise reader.error(None, "expected a non-empty mapping 'topics'")
    topics = []
    for key, spec in entries.items():
        if not isinstance(spec, dict):
            raise reader.error(str(key), "expected a mapping with label, need and keywords")
        check_options(spec, TOPIC_OPTIONS, file=file, rule=str(key), error=LexiconError)
        require(spec, ("need", "keywords"), file=file, rule=str(key), error=LexiconError)
        topics.append(Topic(
            key=str(key), need=str(spec["need"]), keywords=reader.compile(spec["keywords"], str(key)),
            label=str(spec.get("label") or str(key).replace("_", " ")),
        ))
    return tuple(topics)


def lexicon_from_mapping(data: Mapping[str, Any], topics: tuple[Topic, ...] = (), file: Path | str = "<lexicon>") -> AnalyzerLexicon:
    check_options(data, LEXICON_SECTIONS, file=file, rule="(top level)", error=LexiconError)
    require(data, REQUIRED_SECTIONS, file=file, rule="(top level)", error=LexiconError)
    macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    reader = _Reader(file, macros)
    if not isinstance(data["kinds"], dict):
        raise reader.error("kinds", "expected a mapping of flag kinds")
    kinds = {str(kind): _kind_rules(kind, spec, reader) for kind, spec in data["kinds"].items()}
    if "flooding" not in kinds:
        raise reader.error("flooding", "the lexicon needs a 'flooding' entry with why/antidote")
    return AnalyzerLexicon(
        respellings={str(k): str(v) for k, v in (data.get("respellings") or {}).items()},
        kinds=kinds,
        topics=topics,
        positive_markers=reader.compile(data["positive_markers"], "positive_markers"),
        negative_markers=reader.compile(data["negative_markers"], "negative_markers"),
        playful_markers=reader.compile(data["playful_markers"], "playful_markers"),
        minimal_replies=reader.compile(data["minimal_replies"], "minimal_replies"),
        return_promise=reader.compile(data["return_promise"], "return_promise"),
        acronyms=frozenset(str(a).upper() for a in data.get("acronyms") or []),
        caps_positive_words=frozenset(str(w).upper() for w in data.get("caps_positive_words") or []),
        english_words=frozenset(str(w).lower() for w in data.get("english_words") or []),
        foreign_words=frozenset(str(w).lower() for w in data.get("foreign_words") or []),
    )


def load_topics(path: Path) -> tuple[Topic, ...]:
    return topics_from_mapping(read_mapping(path), path)


def load_lexicon(path: Path, topics_path: Path) -> AnalyzerLexicon:
    """The analyzer's lexicon and the locale's topic table (``LocaleData.analyzer_lexicon`` and ``.topics``)."""
    return lexicon_from_mapping(read_mapping(path), load_topics(topics_path), path)


@dataclass(frozen=True)
class PatternTemplates:
    """Sentence templates by key, parsed from a markdown file of ``## key`` sections.

    Inside a section, variants are separated by a line ``%%``; lines before the first
    section and lines starting with ``<!--`` are ignored.
    """

    sections: Mapping[str, tuple[str, ...]]

    def variants(self, key: str) -> tuple[str, ...]:
        return self.sections.get(key, ())

    def has(self, key: str) -> bool:
        return bool(self.sections.get(key))


def parse_pattern_templates(text: str) -> PatternTemplates:
    sections: dict[str, tuple[str, ...]] = {}
    matches = list(SECTION_RE.finditer(text))
    for index, match in enumerate(matches):
        body_end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end() : body_end]
        lines = [line for line in body.splitlines() if not line.strip().startswith("<!--")]
        variants: list[str] = []
        for chunk in "\n".join(lines).split("\n%%\n"):
            sentence = " ".join(part.strip() for part in chunk.strip().splitlines() if part.strip())
            if sentence and sentence != "%%":
                variants.append(sentence)
        key = match.group(1)
        if key in sections:
            raise LexiconError("<patterns>", "the section appears twice", rule=key)
        sections[key] = tuple(variants)
    return PatternTemplates(sections)
