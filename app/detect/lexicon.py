"""Loads the analyzer's data: the lexicon (``app/coach/data/analyzer_lexicon.yaml``) and the
pattern sentences (``prompts/analyzer_patterns.md``).

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

import yaml

from app.detect.types import FlagKind

DEFAULT_LEXICON_PATH = Path(__file__).resolve().parents[1] / "coach" / "data" / "analyzer_lexicon.yaml"

FLAG_KINDS: tuple[FlagKind, ...] = get_args(FlagKind)

MACRO_RE = re.compile(r"%([A-Z_]+)%")
PATTERN_OPTIONS = frozenset(
    {"re", "praise_guard", "question_guard", "polite_guard", "break_ok", "needs_complaint", "playful_guard"}
)
SECTION_RE = re.compile(r"^##\s+([a-z0-9_]+)\s*$", re.MULTILINE)


class LexiconError(ValueError):
    pass


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


def _expand(pattern: str, macros: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise LexiconError(f"unknown macro %{name}% in lexicon pattern")
        return macros[name]

    return MACRO_RE.sub(replace, pattern)


def _compile(pattern: str, macros: Mapping[str, str], where: str) -> re.Pattern[str]:
    try:
        return re.compile(_expand(pattern, macros))
    except re.error as exc:
        raise LexiconError(f"bad regular expression in {where}: {exc}") from exc


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


def _kind_pattern(entry: Any, macros: Mapping[str, str], where: str) -> KindPattern:
    if isinstance(entry, str):
        regex = _compile(entry, macros, where)
        return KindPattern(regex, required=required_literals(regex.pattern))
    if isinstance(entry, dict) and "re" in entry:
        regex = _compile(entry["re"], macros, where)
        return KindPattern(
            regex=regex,
            required=required_literals(regex.pattern),
            praise_guard=bool(entry.get("praise_guard", False)),
            question_guard=bool(entry.get("question_guard", False)),
            polite_guard=bool(entry.get("polite_guard", False)),
            break_ok=bool(entry.get("break_ok", False)),
            needs_complaint=bool(entry.get("needs_complaint", False)),
            playful_guard=bool(entry.get("playful_guard", False)),
        )
        unknown = set(entry) - PATTERN_OPTIONS
        if unknown:
            raise LexiconError(f"unknown options {sorted(unknown)} in {where}")
    raise LexiconError(f"pattern entry in {where} must be a string or a mapping with 're'")


def lexicon_from_mapping(data: Mapping[str, Any]) -> AnalyzerLexicon:
    macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    kinds: dict[str, KindRules] = {}
    for kind, spec in (data.get("kinds") or {}).items():
        if kind not in FLAG_KINDS:
            raise LexiconError(f"unknown flag kind {kind!r} in lexicon")
        patterns = tuple(
            _kind_pattern(entry, macros, f"kinds.{kind}[{i}]") for i, entry in enumerate(spec.get("patterns") or [])
        )
        kinds[kind] = KindRules(kind=kind, why=str(spec["why"]), antidote=str(spec["antidote"]), patterns=patterns)
    if "flooding" not in kinds:
        raise LexiconError("the lexicon needs a 'flooding' entry with why/antidote")
    topics = tuple(
        Topic(key=str(key), need=str(spec["need"]), keywords=_compile(spec["keywords"], macros, f"topics.{key}"))
        for key, spec in (data.get("topics") or {}).items()
    )
    return AnalyzerLexicon(
        respellings={str(k): str(v) for k, v in (data.get("respellings") or {}).items()},
        kinds=kinds,
        topics=topics,
        positive_markers=_compile(data["positive_markers"], macros, "positive_markers"),
        negative_markers=_compile(data["negative_markers"], macros, "negative_markers"),
        playful_markers=_compile(data["playful_markers"], macros, "playful_markers"),
        minimal_replies=_compile(data["minimal_replies"], macros, "minimal_replies"),
        return_promise=_compile(data["return_promise"], macros, "return_promise"),
        acronyms=frozenset(str(a).upper() for a in data.get("acronyms") or []),
        caps_positive_words=frozenset(str(w).upper() for w in data.get("caps_positive_words") or []),
        english_words=frozenset(str(w).lower() for w in data.get("english_words") or []),
        foreign_words=frozenset(str(w).lower() for w in data.get("foreign_words") or []),
    )


def load_lexicon(path: Path = DEFAULT_LEXICON_PATH) -> AnalyzerLexicon:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise LexiconError(f"{path} does not hold a mapping")
    return lexicon_from_mapping(data)


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
            raise LexiconError(f"pattern section {key!r} appears twice")
        sections[key] = tuple(variants)
    return PatternTemplates(sections)
