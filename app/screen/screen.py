"""Rule-based safety screen: finds danger (self-harm, abuse, coercion, threats, requests to
control or harm a partner) in a text and returns a caring reply with help lines.

The rules live in ``<locale>/safety/rules.yaml`` and the word lists they share in ``<locale>/safety/lexicon.yaml``:
each rule is a regular expression over *normalised* text (lower case, typographic apostrophes
straightened, contractions expanded, common misspellings fixed), optionally vetoed by ``unless``
patterns, by a fiction/game context, or by the lack of a first-person/request frame before the
match. A few rules that need capital letters (names) opt in with ``case_sensitive`` and see the
cleaned original text instead. The screen is pure Python and needs no model.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from app.prompts import PromptLibrary
from app.rule_data import DataFileError, check_options, read_mapping
from app.screen.types import DIRECTION_OF_KIND, SAFE, SAFETY_KINDS, Resource, SafetyKind, SafetyLevel, SafetyResult

logger = logging.getLogger(__name__)

RULE_OPTIONS = frozenset({"id", "kind", "level", "pattern", "unless", "requires", "frame", "skip_in_fiction", "reply", "case_sensitive"})
# A rules file and a lexicon file may be one file (the other languages' books): both read the union.
BOOK_SECTIONS = frozenset({
    "frames", "fiction", "rules", "language", "terms", "fold_accents", "rewrites", "spellings", "fuzzy_words", "fuzzy_exceptions",
})

# Which resource group each kind shows, and which kind leads when several fire at the same level.
RESOURCE_GROUP_OF_KIND: Mapping[str, str] = MappingProxyType(
    {
        "self_harm": "self_harm",
        "abuse": "abuse",
        "coercion": "abuse",
        "threat": "general",
        "harm_to_partner": "general",
        "control_request": "general",
        "partner_suicide_threat": "self_harm",
    }
)
# A rule about the partner's suicide threat fires only with the partner as subject; when a self-harm rule fires
# on the same words ("he gave away his guitar"), the partner's risk is what the text is about.
KIND_PRIORITY: tuple[SafetyKind, ...] = ("partner_suicide_threat",) + tuple(k for k in SAFETY_KINDS if k != "partner_suicide_threat")
LEVEL_RANK: Mapping[str, int] = MappingProxyType({"none": 0, "concern": 1, "crisis": 2})
FALLBACK_EMERGENCY = "call your local emergency number"
# Level of a verdict from the semantic stage, which names a kind but no rule: the level the rules give it.
SEMANTIC_LEVEL_OF_KIND: Mapping[str, SafetyLevel] = MappingProxyType(
    {
        "self_harm": "crisis",
        "abuse": "crisis",
        "threat": "crisis",
        "coercion": "concern",
        "harm_to_partner": "concern",
        "control_request": "concern",
        "partner_suicide_threat": "crisis",
    }
)

_PLACEHOLDER = re.compile(r"@([a-z][a-z0-9_]*)")
_SENTENCE_BREAK = re.compile(r"[.!?;:\n]+(?:\s+|$)|\n+|\s+-{1,2}\s+")
_TOKEN = re.compile(r"[a-z]{6,}")
_LEET_TOKEN = re.compile(r"\b[a-z]+(?:[013457@$][a-z]+)+\b")
_LEET_MAP = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"[ \t\u00a0]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
                              "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2013": "-", "\u2014": " - "})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------


class TextNormalizer:
    """Turns free text into the canonical lower-case form the rules are written against.

    ``spellings`` map whole lower-case words/phrases to their canonical spelling; ``rewrites`` are
    ordered (regex, replacement) pairs applied after them (contractions); ``fuzzy_words`` are fixed
    when a token of 6+ letters is one edit (insert, delete, substitute, swap) away from them.
    """

    def __init__(
        self,
        rewrites: Sequence[tuple[str, str]] = (),
        spellings: Mapping[str, str] | None = None,
        fuzzy_words: Iterable[str] = (),
        fuzzy_exceptions: Iterable[str] = (),
        fold_accents: bool = False,
    ):
        self._fold_accents = fold_accents
        self._rewrites = tuple((re.compile(pattern), repl) for pattern, repl in rewrites)
        spellings = {key.lower(): value for key, value in (spellings or {}).items()}
        self._spellings = MappingProxyType(spellings)
        self._spelling_pattern = (
            re.compile(
                r"(?<![\w'-])(?:" + "|".join(re.escape(k) for k in sorted(spellings, key=len, reverse=True)) + r")(?![\w-])"
            )
            if spellings
            else None
        )
        exceptions = {w.lower() for w in fuzzy_exceptions}
        variants: dict[str, str] = {}
        targets = sorted({w.lower() for w in fuzzy_words})
        for word in targets:
            for variant in _one_edit_variants(word):
                if len(variant) >= 6 and variant not in exceptions and variant not in targets:
                    variants.setdefault(variant, word)
        self._fuzzy = MappingProxyType(variants)

    @staticmethod
    def clean(text: str) -> str:
        """Unicode-normalised text with straight apostrophes, case kept."""
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
        return _SPACES.sub(" ", text).strip()

    def normalize(self, text: str) -> str:
        text = self.clean(text).lower()
        if self._fold_accents:  # rule data for es/fr/de/pt is written without accents ("dejé" -> "deje")
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).replace("ß", "ss")
        text = _LEET_TOKEN.sub(lambda m: m.group(0).translate(_LEET_MAP), text)
        text = _REPEATS.sub(r"\1", text)
        if self._fuzzy:
            text = _TOKEN.sub(lambda m: self._fuzzy.get(m.group(0), m.group(0)), text)
        if self._spelling_pattern is not None:
            text = self._spelling_pattern.sub(lambda m: self._spellings[m.group(0)], text)
        for pattern, repl in self._rewrites:
            text = pattern.sub(repl, text)
        return _SPACES.sub(" ", text).strip()


def _one_edit_variants(word: str) -> set[str]:
    """Every string one deletion, insertion, substitution or adjacent swap away from ``word``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    substitutions = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | swaps | substitutions | inserts) - {word}


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyRule:
    """One detector. ``frame`` names a pattern that must occur before the match in its sentence;
    every ``requires`` pattern must also occur somewhere in the sentence, no ``unless`` pattern may."""

    id: str
    kind: SafetyKind
    level: SafetyLevel
    pattern: re.Pattern[str]
    unless: tuple[re.Pattern[str], ...] = ()
    requires: tuple[re.Pattern[str], ...] = ()
    frame: str | None = None
    skip_in_fiction: bool = False
    reply: str | None = None
    case_sensitive: bool = False

    def fires_on(self, sentence: str, frames: Mapping[str, re.Pattern[str]], in_fiction: bool) -> bool:
        if in_fiction and self.skip_in_fiction:
            return False
        position = 0
        while (match := self.pattern.search(sentence, position)) is not None:
            if self.frame is None or frames[self.frame].search(sentence, 0, match.start()):
                return all(need.search(sentence) for need in self.requires) and not any(
                    veto.search(sentence) for veto in self.unless
                )
            position = match.start() + 1  # a later (overlapping) match may have its frame
        return False


@dataclass(frozen=True)
class RuleBook:
    """All rules plus the shared pieces they need (normaliser, frames, fiction context)."""

    rules: tuple[SafetyRule, ...]  # run on normalised (lower-case) sentences
    cased_rules: tuple[SafetyRule, ...]  # run on cleaned original sentences
    normalizer: TextNormalizer
    frames: Mapping[str, re.Pattern[str]]
    fiction: re.Pattern[str]
    language: str = "en"


def load_rule_book(rules_path: Path, lexicon_path: Path) -> RuleBook:
    """Builds the rule book from YAML (``LocaleData.safety_rules`` and ``.safety_lexicon``); a missing or broken
    file, an unknown option or a bad pattern raises ``DataFileError`` naming the file, the rule and the problem."""
    rules_path, lexicon_path = Path(rules_path), Path(lexicon_path)
    lexicon_data = read_mapping(lexicon_path)
    rules_data = read_mapping(rules_path)
    check_options(lexicon_data, BOOK_SECTIONS, file=lexicon_path, rule="(top level)")
    check_options(rules_data, BOOK_SECTIONS, file=rules_path, rule="(top level)")
    terms = lexicon_data.get("terms") or {}
    if not isinstance(terms, dict):
        raise DataFileError(lexicon_path, "'terms' must map names to lists of regex fragments", rule="terms")
    expand = _Expander({str(k): list(v) for k, v in terms.items()}, lexicon_path)

    normalizer = TextNormalizer(
        rewrites=[(str(p), str(r)) for p, r in (lexicon_data.get("rewrites") or [])],
        spellings={str(k): str(v) for k, v in (lexicon_data.get("spellings") or {}).items()},
        fuzzy_words=[str(w) for w in lexicon_data.get("fuzzy_words") or []],
        fuzzy_exceptions=[str(w) for w in lexicon_data.get("fuzzy_exceptions") or []],
        fold_accents=bool(lexicon_data.get("fold_accents", False)),
    )
    frames = {str(name): _compile(expand(str(src)), rules_path, f"frame {name}") for name, src in (rules_data.get("frames") or {}).items()}
    fiction = _compile(expand(str(rules_data.get("fiction") or r"(?!x)x")), rules_path, "fiction")

    rules = []
    seen: set[str] = set()
    for index, entry in enumerate(rules_data.get("rules") or []):
        if not isinstance(entry, dict):
            raise DataFileError(rules_path, "a rule must be a mapping", rule=f"#{index + 1}")
        if not entry.get("id"):
            raise DataFileError(rules_path, "the rule has no id", rule=f"#{index + 1}")
        rule_id = str(entry["id"])
        if rule_id in seen:
            raise DataFileError(rules_path, "duplicate rule id", rule=rule_id)
        seen.add(rule_id)
        check_options(entry, RULE_OPTIONS, file=rules_path, rule=rule_id)
        kind, level = entry.get("kind"), entry.get("level")
        if kind not in SAFETY_KINDS or level not in ("concern", "crisis"):
            raise DataFileError(rules_path, f"bad kind/level {kind!r}/{level!r}", rule=rule_id)
        frame = entry.get("frame")
        if frame is not None and frame not in frames:
            raise DataFileError(rules_path, f"unknown frame {frame!r}", rule=rule_id)
        case_sensitive = bool(entry.get("case_sensitive", False))
        if case_sensitive and (frame is not None or entry.get("skip_in_fiction")):
            raise DataFileError(rules_path, "a case-sensitive rule cannot use frame or skip_in_fiction", rule=rule_id)
        patterns = _as_list(entry.get("pattern"))
        if not patterns:
            raise DataFileError(rules_path, "the rule has no pattern", rule=rule_id)
        unless = _as_list(entry.get("unless"))
        requires = _as_list(entry.get("requires"))
        rules.append(
            SafetyRule(
                id=rule_id,
                kind=kind,
                level=level,
                pattern=_compile("|".join(f"(?:{expand(str(p), rule_id)})" for p in patterns), rules_path, rule_id),
                unless=tuple(_compile(expand(str(u), rule_id), rules_path, rule_id, "unless") for u in unless),
                requires=tuple(_compile(expand(str(r), rule_id), rules_path, rule_id, "requires") for r in requires),
                frame=frame,
                skip_in_fiction=bool(entry.get("skip_in_fiction", False)),
                reply=entry.get("reply"),
                case_sensitive=case_sensitive,
            )
        )
    if not rules:
        raise DataFileError(rules_path, "no rules")
    return RuleBook(
        rules=tuple(r for r in rules if not r.case_sensitive),
        cased_rules=tuple(r for r in rules if r.case_sensitive),
        normalizer=normalizer,
        frames=MappingProxyType(frames),
        fiction=fiction,
        language=str(rules_data.get("language") or "en"),
    )


def load_language_books(codes: Iterable[str], book_path: Callable[[str], Path]) -> dict[str, RuleBook]:
    """The rule books for other languages: ``book_path(code)`` (``LocaleData.safety_book``) holds its rules
    and its lexicon."""
    books = {}
    for code in codes:
        path = Path(book_path(code))
        book = load_rule_book(path, path)
        for rule in book.rules + book.cased_rules:
            if not rule.id.startswith(f"{code}."):
                raise DataFileError(path, f"rule ids must start with '{code}.'", rule=rule.id)
        books[code] = book
    return books


class _Expander:
    """Replaces ``@name`` in a regex with the alternation of that lexicon entry (recursively)."""

    def __init__(self, terms: Mapping[str, list[Any]], source: Path):
        self._terms = terms
        self._source = source
        self._cache: dict[str, str] = {}

    def __call__(self, pattern: str, rule: str | None = None, _depth: int = 0) -> str:
        if _depth > 8:
            raise DataFileError(self._source, f"lexicon references nest too deeply near {pattern[:40]!r}", rule=rule)

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self._terms:
                raise DataFileError(self._source, f"unknown lexicon entry @{name}", rule=rule)
            if name not in self._cache:
                parts = [self(str(term), rule, _depth + 1) for term in self._terms[name]]
                self._cache[name] = "(?:" + "|".join(parts) + ")"
            return self._cache[name]

        return _PLACEHOLDER.sub(replace, pattern)


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value or [])


def _compile(pattern: str, file: Path, rule: str, where: str = "pattern") -> re.Pattern[str]:
    """Patterns are written in lower case and run on lower-case text (no IGNORECASE: 2-3x faster)."""
    try:
        return re.compile(pattern)
    except re.error as error:
        raise DataFileError(file, f"bad {where}: {error}", rule=rule) from error


# --------------------------------------------------------------------------------------------
# The screen
# --------------------------------------------------------------------------------------------


class SemanticCheck(Protocol):
    """A second stage asked only when no rule fired (``app.screen.semantic.SemanticSafetyCheck``):
    the kind of danger the text resembles and how strongly, or ``None``."""

    def check(self, text: str) -> tuple[SafetyKind, float] | None: ...


@dataclass(frozen=True)
class ModelVerdict:
    """The trained model's view of a text: a kind (which fixes the direction), a level, and its scores."""

    kind: SafetyKind
    level: SafetyLevel
    danger: float  # probability that the text is dangerous at all
    confidence: float  # probability of this kind among the dangerous ones
    crisis: float | None = None  # the level head's crisis score (None: a hand-made verdict, its level stands)
    intent: str = "share"  # the intent head's reading of the text ("q_what", "share", ...)

    @property
    def crisis_score(self) -> float:
        if self.crisis is not None:
            return self.crisis
        return 1.0 if self.level == "crisis" else 0.0


class ModelCheck(Protocol):
    """The ``model`` engine of the screen (``app.models.engines.ModelSafetyCheck``): a verdict or ``None``."""

    def check(self, text: str) -> ModelVerdict | None: ...


# Whether the model may overrule the rules' direction, and how sure it must be (None: never). A rule that fires
# has matched explicit wording (who does what to whom); the model's family is right for only ~60% of the
# training corpus's dangerous lines in cross-validation, and it is confidently wrong on plain cases
# ("How do I kill my wife?" read as a partner's suicide threat at 0.97).
MODEL_DIRECTION_CONFIDENCE: float | None = None
# How sure the level head must be before the model's "crisis" counts. The manifest's crisis threshold (0.14) was
# chosen for recall, so nearly every dangerous reading is "crisis" by it; the model alone is "concern" below this
# score, and over a rule's verdict the model may raise the level to crisis only above it.
MODEL_CRISIS_SCORE = 0.5
# A question about the dynamic ("What happens if the pursuer stops pursuing?") with no first-person wording is
# not a disclosure or a request to harm: the model alone does not flag it (the rules still do).
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|i'll|i'd|me|my|mine|myself|we|us|our)\b")


def model_may_flag_alone(text: str, verdict: ModelVerdict) -> bool:
    """Whether the model's verdict may stand with no rule behind it."""
    if verdict.intent.startswith("q_") and not _FIRST_PERSON.search(TextNormalizer.clean(text).lower()):
        return False
    return True


class SafetyScreen:
    """Screens one text (a user's message or a partner's message pasted for rewriting).

    ``screen`` never logs or stores the text; ``matched`` carries rule ids only (and
    ``semantic:<kind>`` when the optional ``semantic`` stage, not a rule, found the danger).
    """

    def __init__(
        self,
        resources: Mapping[str, list[Resource]],
        prompts: PromptLibrary,
        rules: RuleBook,
        semantic: SemanticCheck | None = None,
        *,
        model: ModelCheck | None = None,
        language_books: Mapping[str, RuleBook] | None = None,
        detect_language: Callable[[str], str] | None = None,
        use_rules: bool = True,
    ):
        self._rules = rules
        self._semantic = semantic
        self._model = model
        self._use_rules = use_rules
        self._language_books = dict(language_books or {})
        self._detect_language = detect_language
        self._resources = {group: list(items) for group, items in resources.items()}
        missing = sorted({g for g in RESOURCE_GROUP_OF_KIND.values() if not self._resources.get(g)})
        if missing:
            raise ValueError(f"safety resources lack groups: {', '.join(missing)}")
        self._prompts = prompts
        all_rules = self._rules.rules + self._rules.cased_rules
        for book in self._language_books.values():
            all_rules += book.rules + book.cased_rules
        self._rule_order = {rule.id: index for index, rule in enumerate(all_rules)}
        self._rule_language = {rule.id: book.language for book in self._language_books.values() for rule in book.rules + book.cased_rules}
        self._line_template = prompts.get("safety_resource_line")
        # Replies depend only on (template, resources): rendered once and reused. Rendering every
        # template here makes a missing prompt file fail at start-up, not mid-conversation.
        self._replies: dict[tuple[str, tuple[Resource, ...]], str] = {}
        for kind in SAFETY_KINDS:
            self._reply(f"safety_{kind}", self._resources_for([kind]))
        for rule in all_rules:
            self._reply(rule.reply or f"safety_{rule.kind}", self._resources_for([rule.kind]))

    @property
    def engines(self) -> list[str]:
        """The engines this screen asks, for reports."""
        names = (["rules"] if self._use_rules else []) + [f"rules:{code}" for code in self._language_books]
        return names + (["model"] if self._model is not None else []) + (["semantic"] if self._semantic is not None else [])

    def screen(self, text: str, *, composed: bool = False) -> SafetyResult:
        """``composed``: the text is our own reply, built from templates we wrote; only the rules read it (the
        model's false positives on the coach's own wording would stop the coaching). LLM-written text is not
        ``composed``: it gets the rules and the model."""
        if not text or not text.strip():
            return SAFE
        language = self._detect_language(text) if self._detect_language is not None else "en"
        fired = self._fired_rules(text) if self._use_rules or composed else []
        for book in self._language_books.values():  # every language's rules: a message may mix languages
            fired += self._fired_rules(text, book)
        # the embedder the model reads is English-only: other languages are screened by their own rule data
        verdict = self._model.check(text) if self._model is not None and language == "en" and not composed else None
        if verdict is not None and not fired and not model_may_flag_alone(text, verdict):
            verdict = None
        if not fired and verdict is None:
            return replace(self._semantic_verdict(text), language=language)
        return replace(self._combine(fired, verdict), language=language)

    def _combine(self, fired: list[SafetyRule], verdict: ModelVerdict | None) -> SafetyResult:
        """Rules OR model. The direction is settled first (the rules' when any fires, else the model's), then the
        kind and the level within that direction, then the wording, so nobody making a threat is answered as its
        victim. The model raises the level only when it agrees on the direction."""
        engines = sorted({f"rules:{self._rule_language[r.id]}" if r.id in self._rule_language else "rules" for r in fired})
        if verdict is not None:
            engines.append("model")
        matched = list(dict.fromkeys(r.id for r in fired)) + ([f"model:{verdict.kind}"] if verdict is not None else [])
        if fired:
            lead = max(fired, key=lambda r: (LEVEL_RANK[r.level], -KIND_PRIORITY.index(r.kind)))
            if verdict is not None and MODEL_DIRECTION_CONFIDENCE is not None and verdict.confidence >= MODEL_DIRECTION_CONFIDENCE:
                direction = DIRECTION_OF_KIND[verdict.kind]
                if DIRECTION_OF_KIND[lead.kind] != direction:
                    same = [r for r in fired if DIRECTION_OF_KIND[r.kind] == direction]
                    fired = same
                    lead = max(same, key=lambda r: (LEVEL_RANK[r.level], -KIND_PRIORITY.index(r.kind))) if same else None
        else:
            lead = None
        if lead is None:  # the model alone, or the model's direction over the rules'
            assert verdict is not None
            kind, template = verdict.kind, f"safety_{verdict.kind}"
            level = "crisis" if verdict.crisis_score >= MODEL_CRISIS_SCORE else "concern"
            if fired:
                level = max(level, max((r.level for r in fired), key=LEVEL_RANK.__getitem__), key=LEVEL_RANK.__getitem__)
        else:
            kind = lead.kind
            level = lead.level
            # the rules' kind, level and direction stand; an agreeing model may only raise the level to crisis,
            # and only with a high crisis score
            if (verdict is not None and DIRECTION_OF_KIND[verdict.kind] == DIRECTION_OF_KIND[kind]
                    and verdict.crisis_score >= MODEL_CRISIS_SCORE):
                level = "crisis"
            reply_rule = next(r for r in fired if r.kind == kind)
            template = reply_rule.reply or f"safety_{kind}"
        kinds_in_order = [kind] + [k for k in KIND_PRIORITY if k != kind and any(r.kind == k for r in fired)]
        resources = self._resources_for(kinds_in_order)
        result = SafetyResult(
            level=level,
            kind=kind,
            resources=resources,
            message=self._reply(template, resources),
            matched=matched,
            engines=tuple(engines),
        )
        logger.debug("safety screen: level=%s kind=%s engines=%s", result.level, result.kind, engines)
        return result

    def _semantic_verdict(self, text: str) -> SafetyResult:
        """The semantic stage's verdict on a text no rule caught (``SAFE`` without that stage)."""
        if self._semantic is None:
            return SAFE
        match = self._semantic.check(text)
        if match is None:
            return SAFE
        kind, _score = match
        resources = self._resources_for([kind])
        result = SafetyResult(
            level=SEMANTIC_LEVEL_OF_KIND[kind],
            kind=kind,
            resources=resources,
            message=self._reply(f"safety_{kind}", resources),
            matched=[f"semantic:{kind}"],
            engines=("semantic",),
        )
        logger.debug("safety screen: level=%s kind=%s by the semantic stage", result.level, result.kind)
        return result

    def _fired_rules(self, text: str, book: RuleBook | None = None) -> list[SafetyRule]:
        book = book or self._rules
        normalized = book.normalizer.normalize(text)
        fired: dict[str, SafetyRule] = {}
        for sentence in _SENTENCE_BREAK.split(normalized):
            if not sentence:
                continue
            in_fiction = bool(book.fiction.search(sentence))
            for rule in book.rules:
                if rule.id not in fired and rule.fires_on(sentence, book.frames, in_fiction):
                    fired[rule.id] = rule
        if book.cased_rules:
            for sentence in _SENTENCE_BREAK.split(TextNormalizer.clean(text)):
                for rule in book.cased_rules:
                    if sentence and rule.id not in fired and rule.fires_on(sentence, book.frames, False):
                        fired[rule.id] = rule
        return sorted(fired.values(), key=lambda rule: self._rule_order[rule.id])

    def _resources_for(self, kinds: Sequence[str]) -> list[Resource]:
        chosen: dict[tuple[str, str], Resource] = {}
        for kind in kinds:
            for resource in self._resources[RESOURCE_GROUP_OF_KIND[kind]]:
                chosen.setdefault((resource.name, resource.contact), resource)
        return list(chosen.values())

    def _reply(self, template: str, resources: Sequence[Resource]) -> str:
        """The caring reply ``template`` with ``$resources`` (one line each) and ``$emergency`` filled."""
        key = (template, tuple(resources))
        if key not in self._replies:
            lines = "\n".join(
                PromptLibrary.fill(self._line_template, name=r.name, contact=r.contact, description=r.description)
                for r in resources
            )
            emergency = next((r.contact for r in resources if "emergency" in r.name.lower()), FALLBACK_EMERGENCY)
            self._replies[key] = self._prompts.render(template, resources=lines, emergency=emergency)
        return self._replies[key]
