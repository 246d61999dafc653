"""Rule-based safety screen: finds danger (self-harm, abuse, coercion, threats, requests to
control or harm a partner) in a text and returns a caring reply with help lines.

The rules live in ``data/rules.yaml`` and the word lists they share in ``data/lexicon.yaml``:
each rule is a regular expression over *normalised* text (typographic apostrophes straightened,
contractions expanded, common misspellings fixed), optionally vetoed by ``unless`` patterns, by a
fiction/game context, or by the lack of a first-person/request frame before the match. The screen
is pure Python and needs no model.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from app.prompts import PromptLibrary
from app.safety.types import SAFE, SAFETY_KINDS, Resource, SafetyKind, SafetyLevel, SafetyResult

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_RULES_PATH = DATA_DIR / "rules.yaml"
DEFAULT_LEXICON_PATH = DATA_DIR / "lexicon.yaml"

# Which resource group each kind shows, and which kind leads when several fire at the same level.
RESOURCE_GROUP_OF_KIND: Mapping[str, str] = MappingProxyType(
    {
        "self_harm": "self_harm",
        "abuse": "abuse",
        "coercion": "abuse",
        "threat": "general",
        "harm_to_partner": "general",
        "control_request": "general",
    }
)
KIND_PRIORITY: tuple[SafetyKind, ...] = SAFETY_KINDS  # self_harm, abuse, coercion, threat, ...
LEVEL_RANK: Mapping[str, int] = MappingProxyType({"none": 0, "concern": 1, "crisis": 2})
FALLBACK_EMERGENCY = "call your local emergency number"

_PLACEHOLDER = re.compile(r"@([a-z][a-z0-9_]*)")
_SENTENCE_BREAK = re.compile(r"[.!?;:\n]+(?:\s+|$)|\n+|\s+-{1,2}\s+")
_TOKEN = re.compile(r"[A-Za-z]+")
_LEET_TOKEN = re.compile(r"\b[a-z]+(?:[013457@$][a-z]+)+\b", re.IGNORECASE)
_LEET_MAP = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_REPEATS = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
                              "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2013": "-", "\u2014": " - "})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------


class TextNormalizer:
    """Turns free text into the canonical form the rules are written against.

    ``rewrites`` are ordered (regex, replacement) pairs applied case-insensitively (contractions,
    slang); ``spellings`` map whole words/phrases to their canonical spelling; ``fuzzy_words`` are
    fixed when a token is one edit (insert, delete, substitute, swap) away from them.
    """

    def __init__(
        self,
        rewrites: Sequence[tuple[str, str]] = (),
        spellings: Mapping[str, str] | None = None,
        fuzzy_words: Iterable[str] = (),
        fuzzy_exceptions: Iterable[str] = (),
    ):
        self._rewrites = tuple((re.compile(pattern, re.IGNORECASE), repl) for pattern, repl in rewrites)
        spellings = {key.lower(): value for key, value in (spellings or {}).items()}
        self._spellings = MappingProxyType(spellings)
        self._spelling_pattern = (
            re.compile(
                r"(?<![\w'-])(?:" + "|".join(re.escape(k) for k in sorted(spellings, key=len, reverse=True)) + r")(?![\w-])",
                re.IGNORECASE,
            )
            if spellings
            else None
        )
        self._fuzzy_words = tuple(sorted({w.lower() for w in fuzzy_words}))
        self._fuzzy_exceptions = frozenset(w.lower() for w in fuzzy_exceptions) | frozenset(self._fuzzy_words)

    def normalize(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
        text = _LEET_TOKEN.sub(lambda m: m.group(0).translate(_LEET_MAP), text)
        text = _REPEATS.sub(r"\1", text)
        if self._fuzzy_words:
            text = _TOKEN.sub(self._fix_spelling_of_token, text)
        if self._spelling_pattern is not None:
            text = self._spelling_pattern.sub(lambda m: self._spellings[m.group(0).lower()], text)
        for pattern, repl in self._rewrites:
            text = pattern.sub(repl, text)
        return _SPACES.sub(" ", text).strip()

    def _fix_spelling_of_token(self, match: re.Match[str]) -> str:
        token = match.group(0)
        lowered = token.lower()
        if len(lowered) < 6 or lowered in self._fuzzy_exceptions:
            return token
        for word in self._fuzzy_words:
            if abs(len(word) - len(lowered)) <= 1 and word[0] == lowered[0] and _within_one_edit(lowered, word):
                return word
        return token


def _within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1 :] == short:
            return True
    return False


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyRule:
    """One detector. ``frame`` names a pattern that must occur before the match in its sentence."""

    id: str
    kind: SafetyKind
    level: SafetyLevel
    pattern: re.Pattern[str]
    unless: tuple[re.Pattern[str], ...] = ()
    frame: str | None = None
    skip_in_fiction: bool = False
    reply: str | None = None

    def fires_on(self, sentence: str, frames: Mapping[str, re.Pattern[str]], in_fiction: bool) -> bool:
        if in_fiction and self.skip_in_fiction:
            return False
        for match in self.pattern.finditer(sentence):
            if self.frame is not None and not frames[self.frame].search(sentence, 0, match.start()):
                continue
            return not any(veto.search(sentence) for veto in self.unless)
        return False


@dataclass(frozen=True)
class RuleBook:
    """All rules plus the shared pieces they need (normaliser, frames, fiction context)."""

    rules: tuple[SafetyRule, ...]
    normalizer: TextNormalizer
    frames: Mapping[str, re.Pattern[str]]
    fiction: re.Pattern[str]


def load_rule_book(rules_path: Path | None = None, lexicon_path: Path | None = None) -> RuleBook:
    """Builds the rule book from YAML; a broken file raises ``ValueError`` naming the culprit."""
    rules_path = Path(rules_path) if rules_path is not None else DEFAULT_RULES_PATH
    lexicon_path = Path(lexicon_path) if lexicon_path is not None else DEFAULT_LEXICON_PATH
    lexicon_data = _read_yaml(lexicon_path)
    rules_data = _read_yaml(rules_path)
    terms = lexicon_data.get("terms") or {}
    if not isinstance(terms, dict):
        raise ValueError(f"{lexicon_path}: 'terms' must map names to lists of regex fragments")
    expand = _Expander({str(k): list(v) for k, v in terms.items()}, lexicon_path)

    normalizer = TextNormalizer(
        rewrites=[(str(p), str(r)) for p, r in (lexicon_data.get("rewrites") or [])],
        spellings={str(k): str(v) for k, v in (lexicon_data.get("spellings") or {}).items()},
        fuzzy_words=[str(w) for w in lexicon_data.get("fuzzy_words") or []],
        fuzzy_exceptions=[str(w) for w in lexicon_data.get("fuzzy_exceptions") or []],
    )
    frames = {str(name): _compile(expand(str(src)), f"frame {name}") for name, src in (rules_data.get("frames") or {}).items()}
    fiction = _compile(expand(str(rules_data.get("fiction") or r"(?!x)x")), "fiction")

    rules = []
    seen: set[str] = set()
    for index, entry in enumerate(rules_data.get("rules") or []):
        rule_id = str(entry.get("id") or f"#{index}")
        if rule_id in seen:
            raise ValueError(f"{rules_path}: duplicate rule id {rule_id}")
        seen.add(rule_id)
        kind, level = entry.get("kind"), entry.get("level")
        if kind not in SAFETY_KINDS or level not in ("concern", "crisis"):
            raise ValueError(f"{rules_path}: rule {rule_id} has bad kind/level {kind!r}/{level!r}")
        frame = entry.get("frame")
        if frame is not None and frame not in frames:
            raise ValueError(f"{rules_path}: rule {rule_id} uses unknown frame {frame!r}")
        patterns = entry.get("pattern")
        patterns = [patterns] if isinstance(patterns, str) else list(patterns or [])
        if not patterns:
            raise ValueError(f"{rules_path}: rule {rule_id} has no pattern")
        unless = entry.get("unless") or []
        unless = [unless] if isinstance(unless, str) else list(unless)
        rules.append(
            SafetyRule(
                id=rule_id,
                kind=kind,
                level=level,
                pattern=_compile("|".join(f"(?:{expand(str(p))})" for p in patterns), rule_id),
                unless=tuple(_compile(expand(str(u)), f"{rule_id} unless") for u in unless),
                frame=frame,
                skip_in_fiction=bool(entry.get("skip_in_fiction", False)),
                reply=entry.get("reply"),
            )
        )
    if not rules:
        raise ValueError(f"{rules_path}: no rules")
    return RuleBook(rules=tuple(rules), normalizer=normalizer, frames=MappingProxyType(frames), fiction=fiction)


class _Expander:
    """Replaces ``@name`` in a regex with the alternation of that lexicon entry (recursively)."""

    def __init__(self, terms: Mapping[str, list[Any]], source: Path):
        self._terms = terms
        self._source = source
        self._cache: dict[str, str] = {}

    def __call__(self, pattern: str, _depth: int = 0) -> str:
        if _depth > 8:
            raise ValueError(f"{self._source}: lexicon references nest too deeply near {pattern[:40]!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self._terms:
                raise ValueError(f"{self._source}: unknown lexicon entry @{name}")
            if name not in self._cache:
                parts = [self(str(term), _depth + 1) for term in self._terms[name]]
                self._cache[name] = "(?:" + "|".join(parts) + ")"
            return self._cache[name]

        return _PLACEHOLDER.sub(replace, pattern)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"bad safety pattern in {where}: {error}") from error


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read safety data file {path}: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"safety data file {path} must hold a mapping")
    return data


# --------------------------------------------------------------------------------------------
# The screen
# --------------------------------------------------------------------------------------------


class SafetyScreen:
    """Screens one text (a user's message or a partner's message pasted for rewriting).

    ``screen`` never logs or stores the text; ``matched`` carries rule ids only.
    """

    def __init__(
        self,
        resources: Mapping[str, list[Resource]],
        prompts: PromptLibrary,
        rules: RuleBook | None = None,
    ):
        self._rules = rules if rules is not None else load_rule_book()
        self._resources = {group: list(items) for group, items in resources.items()}
        missing = sorted({g for g in RESOURCE_GROUP_OF_KIND.values() if not self._resources.get(g)})
        if missing:
            raise ValueError(f"safety resources lack groups: {', '.join(missing)}")
        self._prompts = prompts
        self._line_template = prompts.get("safety_resource_line")
        # Render every reply once so a missing template fails here, not mid-conversation.
        self._replies: dict[tuple[str, str], str] = {}
        for kind in SAFETY_KINDS:
            self._reply_for(kind, None)
        for rule in self._rules.rules:
            self._reply_for(rule.kind, rule.reply)

    def screen(self, text: str) -> SafetyResult:
        if not text or not text.strip():
            return SAFE
        fired = self._fired_rules(text)
        if not fired:
            return SAFE
        lead = max(fired, key=lambda r: (LEVEL_RANK[r.level], -KIND_PRIORITY.index(r.kind)))
        kinds_in_order = [lead.kind] + [k for k in KIND_PRIORITY if k != lead.kind and any(r.kind == k for r in fired)]
        reply_rule = next(r for r in fired if r.kind == lead.kind)
        result = SafetyResult(
            level=lead.level,
            kind=lead.kind,
            resources=self._resources_for(kinds_in_order),
            message=self._reply_for(lead.kind, reply_rule.reply),
            matched=list(dict.fromkeys(r.id for r in fired)),
        )
        logger.debug("safety screen: level=%s kind=%s rules=%s", result.level, result.kind, result.matched)
        return result

    def _fired_rules(self, text: str) -> list[SafetyRule]:
        normalized = self._rules.normalizer.normalize(text)
        fired: list[SafetyRule] = []
        for sentence in _SENTENCE_BREAK.split(normalized):
            if not sentence:
                continue
            in_fiction = bool(self._rules.fiction.search(sentence))
            for rule in self._rules.rules:
                if rule not in fired and rule.fires_on(sentence, self._rules.frames, in_fiction):
                    fired.append(rule)
        return fired

    def _resources_for(self, kinds: Sequence[str]) -> list[Resource]:
        chosen: dict[tuple[str, str], Resource] = {}
        for kind in kinds:
            for resource in self._resources[RESOURCE_GROUP_OF_KIND[kind]]:
                chosen.setdefault((resource.name, resource.contact), resource)
        return list(chosen.values())

    def _reply_for(self, kind: str, reply: str | None) -> str:
        key = (kind, reply or f"safety_{kind}")
        if key not in self._replies:
            resources = self._resources[RESOURCE_GROUP_OF_KIND[kind]]
            lines = "\n".join(
                PromptLibrary.fill(self._line_template, name=r.name, contact=r.contact, description=r.description)
                for r in resources
            )
            emergency = next((r.contact for r in resources if "emergency" in r.name.lower()), FALLBACK_EMERGENCY)
            self._replies[key] = self._prompts.render(key[1], resources=lines, emergency=emergency)
        return self._replies[key]
