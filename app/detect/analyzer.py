"""The conflict analyzer: finds harsh spots in a partner-to-partner message and places the
message in the pursuer-distancer cycle.

Pure Python and rule based (a lexicon of regular expressions plus a few counted signals for
flooding), so it is fast (well under 2 ms a message) and needs no model. It never logs or keeps
message text: everything it finds is in the returned ``Analysis``.

    analyze(message, context=None) -> Analysis
"""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from app.detect.language import NormalizedText, is_mostly_english, normalize_for_matching
from app.detect.lexicon import (
    AnalyzerLexicon,
    KindPattern,
    PatternTemplates,
    load_lexicon,
    parse_pattern_templates,
)
from app.detect.types import Analysis, AnalysisContext, Flag, FlagKind, Move
from app.locale_data import LocaleData
from app.prompts import PromptLibrary
from app.settings import get_settings

log = logging.getLogger(__name__)

PATTERNS_PROMPT = "analyzer_patterns"

# How much one flag of a kind adds to harshness (combined as 1 - prod(1 - w)).
HARSHNESS_WEIGHTS: dict[str, float] = {
    "contempt": 0.6,
    "criticism": 0.35,
    "demand": 0.35,
    "defensiveness": 0.3,
    "stonewalling": 0.3,
    "protest": 0.25,
    "absolute": 0.2,
    "flooding": 0.2,
}
# How strongly a kind pulls the move one way.
PURSUE_WEIGHTS: dict[str, float] = {
    "criticism": 1.0,
    "contempt": 1.0,
    "demand": 1.5,
    "protest": 1.5,
    "absolute": 0.5,
    "flooding": 0.5,
}
WITHDRAW_WEIGHTS: dict[str, float] = {"stonewalling": 2.5, "defensiveness": 1.5}
# Which kind names the pattern when several are present (first wins).
PURSUE_KIND_ORDER = ("contempt", "demand", "criticism", "protest", "absolute", "flooding")
WITHDRAW_KIND_ORDER = ("stonewalling", "defensiveness")
# Kinds matched from the lexicon, in this order (absolute looks at criticism found before it).
LEXICON_KIND_ORDER = ("contempt", "criticism", "defensiveness", "stonewalling", "demand", "protest", "absolute")

SENTENCE_END = ".!?\n"
CLAUSE_BREAK_RE = re.compile(r"[.!?;,:\n]|\b(?:but|though|although|except)\b")
YES_NO_QUESTION_RE = re.compile(
    r"^\s*(?:so |and |but |hey |um |oh )?(?:do|does|did|are|is|have|has|will|would|can|could|should|were|was)\s+you\b"
)
POLITE_REQUEST_RE = re.compile(
    r"^\s*(?:hey |hi |babe |love |honey |so )?(?:,\s*)?"
    r"(?:can|could|would|will|wouldnt|do you mind|would you mind|is it ok if|any chance)\b"
    r"|\bwhen you (?:can|get a (?:chance|sec|minute)|have a (?:sec|minute))\b"
)
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
REPEATED_PUNCT_RE = re.compile(r"[!?]{2,}|(?:[!?]\s){2,}[!?]")
SHORT_SENTENCE_WORDS = 6
WH_START_RE = re.compile(r"\s*(?:why|what|where|when|who|how|are you|do you|did you)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Found:
    kind: FlagKind
    start: int  # original span
    end: int


def _trim_span(message: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (message[start].isspace() or message[start] in ",;:"):
        start += 1
    while end > start and (message[end - 1].isspace() or message[end - 1] in ",;:"):
        end -= 1
    return start, end


def _bounds(text: str, start: int, end: int, breaks: re.Pattern[str] | str) -> tuple[int, int]:
    """The clause/sentence of ``text`` around ``[start, end)``."""
    if isinstance(breaks, str):
        left = max((text.rfind(ch, 0, start) for ch in breaks), default=-1) + 1
        rights = [text.find(ch, end) for ch in breaks]
        rights = [r for r in rights if r != -1]
        right = min(rights) + 1 if rights else len(text)
        return left, right
    left = 0
    for m in breaks.finditer(text, 0, start):
        left = m.end()
    m = breaks.search(text, end)
    right = m.start() + (1 if m.group(0) in "?!." else 0) if m else len(text)
    return left, right


class ConflictAnalyzer:
    """Analyses one message at a time; holds only the (immutable) lexicon and templates."""

    def __init__(self, lexicon: AnalyzerLexicon, templates: PatternTemplates):
        self.lexicon = lexicon
        self.templates = templates
        # Index the patterns by the literals they require: per message we test each literal once
        # and then only try the patterns whose literal is present (plus those without one).
        self._literals = tuple(
            sorted({lit for rules in lexicon.kinds.values() for p in rules.patterns for lit in p.required})
        )
        self._unconditional: dict[str, list[int]] = {}
        self._by_literal: dict[str, dict[str, list[int]]] = {}
        for kind, rules in lexicon.kinds.items():
            self._unconditional[kind] = [i for i, p in enumerate(rules.patterns) if not p.required]
            index: dict[str, list[int]] = {}
            for i, p in enumerate(rules.patterns):
                for literal in p.required:
                    index.setdefault(literal, []).append(i)
            self._by_literal[kind] = index

    # ------------------------------------------------------------------ public
    def analyze(self, message: str, context: AnalysisContext | None = None) -> Analysis:
        context = context or AnalysisContext()
        if not message or not message.strip():
            return self._calm(message or "", language_supported=True, topic=None, need=None)
        if not is_mostly_english(message, self.lexicon.english_words, self.lexicon.foreign_words):
            return Analysis(
                message=message,
                flags=[],
                move="neutral",
                move_evidence=["message is not in a language we support"],
                harshness=0.0,
                pattern=self._template("unsupported_language", message),
                language_supported=False,
                flooded=False,
                topic=None,
                need=None,
            )
        norm = normalize_for_matching(message, self.lexicon.respellings)
        found = self._lexicon_flags(message, norm)
        found += self._curt_reply_flags(message, norm, found, context)
        found += self._repeated_text_flags(message, norm, found)
        found += self._flooding_flags(message, norm, found)
        found = self._resolve_overlaps(found)
        flags = [self._flag(message, f) for f in found]
        topic, need = self._topic(norm.text)
        if not flags:
            return self._calm(message, language_supported=True, topic=topic, need=need)
        move, evidence, lead = self._move(flags, context)
        flooded = any(f.kind == "flooding" for f in flags)
        log.debug("analysed a message: %d flags, move %s, topic %s", len(flags), move, topic)  # no text
        return Analysis(
            message=message,
            flags=flags,
            move=move,
            move_evidence=evidence,
            harshness=self._harshness(flags),
            pattern=self._pattern(message, move, lead, flooded, need),
            language_supported=True,
            flooded=flooded,
            topic=topic,
            need=need,
        )

    # ------------------------------------------------------------- detection
    def _lexicon_flags(self, message: str, norm: NormalizedText) -> list[_Found]:
        text = norm.text
        has_return_promise = bool(self.lexicon.return_promise.search(text))
        found: list[_Found] = []
        complaint_spans: list[tuple[int, int]] = []  # normalised spans of criticism etc., for absolutes
        present = {literal for literal in self._literals if literal in text}
        memo: dict = {}
        for kind in LEXICON_KIND_ORDER:
            rules = self.lexicon.kinds.get(kind)
            if rules is None:
                continue
            candidates = set(self._unconditional[kind])
            index = self._by_literal[kind]
            for literal in present:
                candidates.update(index.get(literal, ()))
            for pattern in (rules.patterns[i] for i in sorted(candidates)):
                for match in pattern.regex.finditer(text):
                    if "span" in pattern.regex.groupindex and match.group("span") is not None:
                        a, b = match.span("span")
                    else:
                        a, b = match.span()
                    if b <= a or not text[a:b].strip():
                        continue
                    if self._vetoed(
                        pattern, text, match.start(), match.end(), has_return_promise, complaint_spans, memo
                    ):
                        continue
                    start, end = _trim_span(message, *norm.original_span(a, b))
                    if end <= start:
                        continue
                    found.append(_Found(kind, start, end))
                    if kind in ("criticism", "contempt", "defensiveness", "protest", "demand"):
                        complaint_spans.append(match.span())
        return found

    def _vetoed(
        self,
        pattern: KindPattern,
        text: str,
        start: int,
        end: int,
        has_return_promise: bool,
        complaint_spans: list[tuple[int, int]],
        memo: dict,
    ) -> bool:
        """Whether a guard of ``pattern`` vetoes the match ``text[start:end]``.

        ``memo`` caches marker searches per clause/sentence for one message (they are the costly part).
        """
        if pattern.break_ok and has_return_promise:
            return True
        if not (
            pattern.praise_guard
            or pattern.playful_guard
            or pattern.question_guard
            or pattern.polite_guard
            or pattern.needs_complaint
        ):
            return False

        def marker(name: str, left: int, right: int) -> bool:
            key = (name, left, right)
            if key not in memo:
                memo[key] = bool(getattr(self.lexicon, name).search(text, left, right))
            return memo[key]

        def praise(left: int, right: int) -> bool:
            return marker("positive_markers", left, right) and not marker("negative_markers", left, right)

        c_left, c_right = _bounds(text, start, end, CLAUSE_BREAK_RE)
        s_left, s_right = _bounds(text, start, end, SENTENCE_END)
        sentence = text[s_left:s_right]
        if pattern.praise_guard and (praise(c_left, c_right) or praise(s_left, s_right)):
            return True
        if pattern.playful_guard and marker("playful_markers", s_left, s_right):
            rest = text[s_left:start] + " " + text[end:s_right]
            if not self.lexicon.negative_markers.search(rest):
                return True
        if pattern.question_guard and sentence.rstrip().endswith("?") and YES_NO_QUESTION_RE.match(sentence):
            if not marker("negative_markers", s_left, s_right):
                return True
        if pattern.polite_guard and POLITE_REQUEST_RE.search(sentence) and "!" not in sentence:
            return True
        if pattern.needs_complaint:
            overlaps = any(a < c_right and b > c_left for a, b in complaint_spans)
            if not overlaps and not marker("negative_markers", c_left, c_right):
                return True
        return False

    def _curt_reply_flags(
        self, message: str, norm: NormalizedText, found: list[_Found], context: AnalysisContext
    ) -> list[_Found]:
        """"ok." in answer to a partner's question or long message closes the door (stonewalling)."""
        partner = context.partner_message
        if found or not partner or not self.lexicon.minimal_replies.match(norm.text):
            return []
        partner_made_a_bid = "?" in partner or len(partner.split()) >= 12
        if not partner_made_a_bid:
            return []
        start, end = _trim_span(message, 0, len(message))
        return [_Found("stonewalling", start, end)] if end > start else []

    def _reads_as_praise(self, clause: str) -> bool:
        return bool(self.lexicon.positive_markers.search(clause)) and not self.lexicon.negative_markers.search(clause)

    def _repeated_text_flags(self, message: str, norm: NormalizedText, found: list[_Found]) -> list[_Found]:
        """The same short question or line sent again and again ("hello? hello? hello?") is a protest."""
        chunks = [m for m in re.finditer(r"[^.!?\n]+[.!?]*\n?", norm.text) if m.group(0).strip(" .!?\n")]
        flags: list[_Found] = []
        i = 0
        while i < len(chunks):
            key = chunks[i].group(0).strip(" .!?\n")
            j = i + 1
            while j < len(chunks) and chunks[j].group(0).strip(" .!?\n") == key:
                j += 1
            run = chunks[i:j]
            is_bid = all("?" in c.group(0) or c.group(0).endswith("\n") for c in run[:-1])
            if j - i >= 2 and is_bid and len(key.split()) <= 5 and not self._reads_as_praise(key):
                start, end = _trim_span(message, *norm.original_span(run[0].start(), run[-1].end()))
                covered = any(f.start < end and start < f.end for f in found)
                if end > start and not covered:
                    flags.append(_Found("protest", start, end))
            i = j
        return flags

    def _flooding_flags(self, message: str, norm: NormalizedText, found: list[_Found]) -> list[_Found]:
        other_flags = bool(found)
        negative_somewhere = bool(self.lexicon.negative_markers.search(norm.text))
        flags: list[_Found] = []
        flags += self._caps_flags(message, other_flags, negative_somewhere)
        for m in REPEATED_PUNCT_RE.finditer(message):
            sentence_left = max(message.rfind(ch, 0, m.start()) for ch in ".\n") + 1
            sentence = message[sentence_left : m.end()].lower()
            if other_flags or self.lexicon.negative_markers.search(sentence):
                flags.append(_Found("flooding", m.start(), m.end()))
        if other_flags or negative_somewhere:
            flags += self._barrage_flags(message)
        return flags

    def _caps_flags(self, message: str, other_flags: bool, negative_message: bool) -> list[_Found]:
        tokens = [(m.start(), m.end(), m.group(0)) for m in WORD_RE.finditer(message)]
        runs: list[list[tuple[int, int, str]]] = []
        current: list[tuple[int, int, str]] = []
        for start, end, word in tokens:
            bare = word.replace("'", "").replace("\u2019", "")
            is_caps = bare.isupper() and (len(bare) >= 2 or bare == "I")
            if is_caps and current and re.search(r"[a-z]", message[current[-1][1] : start]):
                runs.append(current)
                current = []
            if is_caps:
                current.append((start, end, bare))
            elif current:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        flags: list[_Found] = []
        for run in runs:
            shouted = [w for _, _, w in run if w != "I" and w not in self.lexicon.acronyms]
            if not shouted or not (any(len(w) >= 3 for w in shouted) or len(shouted) >= 2):
                continue
            run_text = message[run[0][0] : run[-1][1]].lower()
            negative = bool(self.lexicon.negative_markers.search(run_text.replace("'", "").replace("\u2019", "")))
            if not negative and any(w in self.lexicon.caps_positive_words for w in shouted):
                continue  # cheering: "SO PROUD OF YOU"
            if len(shouted) == 1 and not (other_flags or negative_message):
                continue  # one capitalised word in a calm message is a name or emphasis ("the NASA launch")
            flags.append(_Found("flooding", run[0][0], run[-1][1]))
        return flags

    def _barrage_flags(self, message: str) -> list[_Found]:
        """Four or more short sentences in a row, mostly questions (or five of any kind)."""
        sentences = [m for m in re.finditer(r"[^.!?\n]*[A-Za-z0-9][^.!?\n]*[.!?]*", message)]
        flags: list[_Found] = []
        run: list[re.Match[str]] = []

        def close(run: list[re.Match[str]]) -> None:
            questions = sum(1 for s in run if s.group(0).rstrip().endswith("?") or WH_START_RE.match(s.group(0)))
            if (len(run) >= 4 and questions >= 3) or len(run) >= 5:
                start, end = _trim_span(message, run[0].start(), run[-1].end())
                flags.append(_Found("flooding", start, end))

        for sentence in sentences:
            if 0 < len(sentence.group(0).split()) <= SHORT_SENTENCE_WORDS:
                run.append(sentence)
            else:
                close(run)
                run = []
        close(run)
        return flags

    @staticmethod
    def _resolve_overlaps(found: list[_Found]) -> list[_Found]:
        # one flag per spot and kind: the longest wins
        by_length = sorted(set(found), key=lambda f: (-(f.end - f.start), f.start))
        kept: list[_Found] = []
        for f in by_length:
            if any(k.kind == f.kind and k.start < f.end and f.start < k.end for k in kept):
                continue
            kept.append(f)

        def inside(f: _Found, kinds: Iterable[str]) -> bool:
            return any(k.kind in kinds and k.start <= f.start and f.end <= k.end and k is not f for k in kept)

        def overlaps(f: _Found, kinds: Iterable[str]) -> bool:
            return any(k.kind in kinds and k.start < f.end and f.start < k.end for k in kept)

        kept = ConflictAnalyzer._merge_touching(kept)
        result = []
        for f in kept:
            if f.kind == "criticism" and inside(f, ("contempt", "defensiveness")):
                continue  # an insult or a counter-blame ("well, you ...") already says it
            if f.kind == "stonewalling" and overlaps(f, ("demand",)):
                continue  # "... or I'm done" is an ultimatum, not a retreat
            if f.kind == "protest" and inside(f, ("demand",)):
                continue
            result.append(f)
        return sorted(result, key=lambda f: (f.start, f.end, f.kind))

    @staticmethod
    def _merge_touching(found: list[_Found]) -> list[_Found]:
        """Flags of one kind right next to each other ("🙄🙄", "!! !!") count once."""
        merged: list[_Found] = []
        for f in sorted(found, key=lambda f: (f.kind, f.start)):
            last = merged[-1] if merged else None
            if last is not None and last.kind == f.kind and f.start - last.end <= 1:
                merged[-1] = _Found(f.kind, last.start, max(last.end, f.end))
            else:
                merged.append(f)
        return merged

    def _flag(self, message: str, found: _Found) -> Flag:
        rules = self.lexicon.rules(found.kind)
        return Flag(
            kind=found.kind,
            span=(found.start, found.end),
            text=message[found.start : found.end],
            why=rules.why,
            antidote=rules.antidote,
        )

    # ----------------------------------------------------------- judgements
    @staticmethod
    def _harshness(flags: list[Flag]) -> float:
        gentle = 1.0
        for flag in flags:
            gentle *= 1.0 - HARSHNESS_WEIGHTS.get(flag.kind, 0.2)
        return round(min(1.0, 1.0 - gentle), 3)

    @staticmethod
    def _move(flags: list[Flag], context: AnalysisContext) -> tuple[Move, list[str], Flag | None]:
        pursue = sum(PURSUE_WEIGHTS.get(f.kind, 0.0) for f in flags)
        withdraw = sum(WITHDRAW_WEIGHTS.get(f.kind, 0.0) for f in flags)
        if pursue == 0 and withdraw == 0:
            return "neutral", ["no reaching or retreating signals"], None
        if pursue > withdraw:
            move: Move = "pursue"
        elif withdraw > pursue:
            move = "withdraw"
        elif context.sender_role == "pursuer":
            move = "pursue"
        elif context.sender_role == "distancer":
            move = "withdraw"
        else:  # a tie: the last word decides
            last = max(flags, key=lambda f: f.span[1])
            move = "withdraw" if last.kind in WITHDRAW_WEIGHTS else "pursue"
        order = PURSUE_KIND_ORDER if move == "pursue" else WITHDRAW_KIND_ORDER
        weights = PURSUE_WEIGHTS if move == "pursue" else WITHDRAW_WEIGHTS
        deciding = [f for f in flags if f.kind in weights]
        deciding.sort(key=lambda f: (order.index(f.kind), f.span[0]))
        evidence = [f'{f.kind}: "{f.text}"' for f in deciding[:4]]
        return move, evidence, deciding[0] if deciding else None

    def pattern_for(self, message: str, move: Move, lead: Flag | None, flooded: bool, need: str | None) -> str:
        """The plain-language pattern sentence for a move decided elsewhere (the model engine)."""
        return self._pattern(message, "withdraw" if move == "defend" else move, lead, flooded, need)

    def _pattern(self, message: str, move: Move, lead: Flag | None, flooded: bool, need: str | None) -> str:
        key = f"{move}_{lead.kind}" if lead is not None else f"{move}_default"
        if not self.templates.has(key):
            key = f"{move}_default"
        phrase = lead.text if lead is not None else ""
        sentences = [self._template(key, message, phrase=phrase, need=need or "")]
        if flooded and key != "pursue_flooding" and self.templates.has("flooded"):
            sentences.append(self._template("flooded", message))
        elif need and self.templates.has("need"):
            sentences.append(self._template("need", message, need=need))
        return " ".join(s for s in sentences if s)

    def _template(self, key: str, message: str, **values: str) -> str:
        variants = self.templates.variants(key)
        if not variants:
            return ""
        chosen = variants[zlib.crc32(message.encode("utf-8")) % len(variants)]
        return PromptLibrary.fill(chosen, **values)

    def _topic(self, normalized_text: str) -> tuple[str | None, str | None]:
        """The first topic (in lexicon order, specific before general) whose keywords occur."""
        for topic in self.lexicon.topics:
            if topic.keywords.search(normalized_text):
                return topic.key, topic.need
        return None, None

    def _calm(self, message: str, language_supported: bool, topic: str | None, need: str | None) -> Analysis:
        return Analysis(
            message=message,
            flags=[],
            move="neutral",
            move_evidence=["no harsh words, no reaching or retreating signals"],
            harshness=0.0,
            pattern=self._template("neutral_default", message),
            language_supported=language_supported,
            flooded=False,
            topic=topic,
            need=need,
        )


def build_analyzer(prompts: PromptLibrary, lexicon: AnalyzerLexicon) -> ConflictAnalyzer:
    """An analyzer over one locale's lexicon and prompts (the composition root loads both from settings)."""
    return ConflictAnalyzer(lexicon=lexicon, templates=parse_pattern_templates(prompts.get(PATTERNS_PROMPT)))


def analyzer_for(locale: LocaleData) -> ConflictAnalyzer:
    """The analyzer of one locale's data and prompts."""
    return build_analyzer(PromptLibrary(locale.prompts_dir), load_lexicon(locale.analyzer_lexicon, locale.topics))


@lru_cache(maxsize=1)
def default_analyzer() -> ConflictAnalyzer:
    """The analyzer of the settings' locale, built on first use (for callers with no composition root:
    evaluation commands, benchmarks, tests). The services build their own from the settings they are given."""
    return analyzer_for(LocaleData.from_settings(get_settings()))


def analyze(message: str, context: AnalysisContext | None = None) -> Analysis:
    """Flags, move, harshness, pattern, topic and need of one partner-to-partner message."""
    return default_analyzer().analyze(message, context)
