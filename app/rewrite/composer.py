"""Composes rewrites without a language model: soft start-ups, ownership replies and break scripts.

All wording comes from ``prompts/rewrite_*.md`` templates and the phrasing data in
``app/locales/<locale>/softstarts.yaml``; variants are chosen by a hash of the message so the
same message always gets the same rewrite while different messages read differently.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Iterator, Literal, Sequence

from app.rewrite.checks import has_request, wants_break
from app.rewrite.softstart_library import SoftStartLibrary, TopicPhrasing
from app.detect.types import Alternative, Analysis, Change, Flag
from app.backends.embeddings import Embedder
from app.prompts import PromptLibrary

log = logging.getLogger(__name__)

RewriteKind = Literal["softstart", "library", "generic", "defensive", "break"]

# Library examples closer than this to the message (harsh text vs harsh text) are reused
# when the analyzer finds no topic; checked by eye on the labelled set: matches at 0.6 and
# above were about the same concern, matches at 0.55-0.6 often were not.
DEFAULT_LIBRARY_FLOOR = 0.6

FLAG_STRENGTH = ("contempt", "protest", "criticism", "absolute", "demand", "defensiveness", "stonewalling", "flooding")
DEFENSIVE_FEELINGS = ("bad", "stressed", "frustrated")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_DETERMINER_PHRASE = re.compile(
    r"\b(the|your|ur|my|our|this|that|these|those|his|her|their)\s+([a-z][a-z'-]+)(?:\s+([a-z][a-z'-]+))?",
    re.IGNORECASE,
)
_INJECTION_HINT = re.compile(
    r"\b(ignore|instructions?|prompt|assistant|system message|jailbreak|pretend you|you are now|act as)\b",
    re.IGNORECASE,
)
_FAMILY = {"mom", "mum", "mother", "dad", "father", "parents", "sister", "brother", "family", "friends", "friend"}
# Words that never make a good subject: insults, intensifiers, pronoun-ish and vague nouns.
_NOT_SUBJECT = set(
    """
    a an the your ur my our his her their and or but so too very really just even ever never always again still only own same other whole
    one ones thing things stuff way ways time times life lot lots kind sort point fault problem problems
    idiot idiots stupid dumb pathetic lazy useless selfish crazy ridiculous worthless damn damned fucking
    fuckin fucked fuck shit shitty crap crappy bloody freaking stinking ugly fat disgusting typical moron
    loser jerk ass asshole bitch bastard hell face mouth head mind brain self yourself myself it its is are
    was were be been being do does did doing done have has had having get gets got go goes going went
    will would could should can cannot can't won't don't doesn't didn't isn't aren't wasn't not no yes
    me you him her them us we they i he she what who why how when where which that this these those
    there here then than about with without for from into onto over under of at by on in to up down out
    off all any some every each many much more most less least few no none nothing everything something
    anything everyone someone anyone day days minute minutes hour hours week weeks year years
    poem poems story song joke instructions instruction previous above below message text reply rewrite
    care cares caring love hate like want wants need needs fine okay ok sorry please thanks thank right wrong
    bad good better best worst great big little huge tiny new old first last next best
    """.split()
)


@dataclass(frozen=True)
class ComposedRewrite:
    kind: RewriteKind
    text: str
    alternatives: list[Alternative] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    note: str = ""


def variant_index(message: str, salt: str, count: int) -> int:
    """A stable (process-independent) choice among ``count`` variants for this message."""
    digest = hashlib.sha256(f"{salt}\x00{message}".encode("utf-8")).hexdigest()
    return int(digest[:12], 16) % max(count, 1)


def pick(options: Sequence[str], message: str, salt: str) -> str:
    return options[variant_index(message, salt, len(options))]


def rotated(options: Sequence[str], message: str, salt: str) -> list[str]:
    """All options, starting at the hashed one (so fallbacks vary too)."""
    start = variant_index(message, salt, len(options))
    return list(options[start:]) + list(options[:start])


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def split_request(text: str) -> tuple[str, str]:
    """(everything before the last request sentence, the request sentence and what follows it)."""
    parts = sentences(text)
    for index in range(len(parts) - 1, -1, -1):
        if has_request(parts[index]):
            return " ".join(parts[:index]), " ".join(parts[index:])
    return text, ""


def strongest_flag(flags: Sequence[Flag]) -> str | None:
    kinds = {flag.kind for flag in flags}
    return next((kind for kind in FLAG_STRENGTH if kind in kinds), None)


class RewriteComposer:
    """Builds candidate rewrites from templates; the rewriter keeps the first that passes the checks."""

    def __init__(
        self,
        *,
        prompts: PromptLibrary,
        library: SoftStartLibrary,
        embedder: Embedder | None = None,
        library_floor: float = DEFAULT_LIBRARY_FLOOR,
    ):
        self.prompts = prompts
        self.library = library
        self.embedder = embedder
        self.library_floor = library_floor

    # ------------------------------------------------------------------ candidates
    def candidates(self, analysis: Analysis) -> Iterator[ComposedRewrite]:
        """Rewrites for a harsh message, best first (each differs in kind or wording)."""
        message = analysis.message
        if wants_break(analysis):
            for template in rotated(self.prompts.variants("rewrite_break"), message, "break"):
                yield self._break(analysis, template)
            return
        kinds = {flag.kind for flag in analysis.flags}
        topic = self.library.topic(analysis.topic)
        if "defensiveness" in kinds:
            for template in rotated(self.prompts.variants("rewrite_defensive"), message, "defensive"):
                yield self._defensive(analysis, topic, template)
        if topic is not None:
            for template in rotated(self.prompts.variants("rewrite_softstart"), message, "softstart"):
                yield self._softstart(analysis, topic, template)
        elif self.embedder is not None:
            for match in self.library.nearest(message, self.embedder, k=3):
                if match.similarity < self.library_floor:
                    break
                yield self._finish(analysis, "library", match.example.soft, topic=None)
        yield from self._generic(analysis, topic)

    # ------------------------------------------------------------------ kinds
    def _softstart(self, analysis: Analysis, topic: TopicPhrasing, template: str) -> ComposedRewrite:
        message = analysis.message
        thing = topic.object_in(message)
        feeling = "overwhelmed" if analysis.flooded else pick(topic.feelings, message, "feeling")
        situation = self.prompts.fill(pick(topic.situations, message, "situation"), object=thing)
        request = self.prompts.fill(pick(topic.requests, message, "request"), object=thing)
        closing = pick(topic.closings, message, "closing")
        text = _tidy(self.prompts.fill(template, feeling=feeling, situation=situation, request=request, closing=closing))
        return self._finish(
            analysis,
            "softstart",
            text,
            topic=topic,
            feeling_sentence=f"I feel {feeling} {situation}.",
            request=request,
            situation=situation,
        )

    def _defensive(self, analysis: Analysis, topic: TopicPhrasing | None, template: str) -> ComposedRewrite:
        message = analysis.message
        forgot = re.search(r"\bforg[eo]t", message, re.IGNORECASE)
        ownership = self._variant("rewrite_ownership_forgot" if forgot else "rewrite_ownership", message, "own")
        subject = (topic.object_in(message) or topic.label) if topic else (content_subject(analysis) or "this")
        feeling = pick(DEFENSIVE_FEELINGS, message, "feeling")
        values = dict(ownership=ownership, feeling=feeling, subject=subject)
        text = _tidy(self.prompts.fill(template, **values))
        composed = self._finish(analysis, "defensive", text, topic=topic, ownership=ownership)
        brief = self._variant("rewrite_alt_brief_defensive", message, "alt_brief", **values)
        alternatives = [Alternative("brief", brief)] + [alt for alt in composed.alternatives if alt.tone != "brief"]
        return replace(composed, alternatives=[alt for alt in alternatives if alt.text != text])

    def _generic(self, analysis: Analysis, topic: TopicPhrasing | None) -> Iterator[ComposedRewrite]:
        message = analysis.message
        feeling = "overwhelmed" if analysis.flooded else self.library.feeling_for_flag(strongest_flag(analysis.flags))
        subject = content_subject(analysis)
        name = "rewrite_generic" if subject else "rewrite_generic_no_subject"
        for template in rotated(self.prompts.variants(name), message, "generic"):
            text = _tidy(self.prompts.fill(template, feeling=feeling, subject=subject or "this"))
            yield self._finish(analysis, "generic", text, topic=topic)

    def _break(self, analysis: Analysis, template: str) -> ComposedRewrite:
        message = analysis.message
        topic = self.library.topic(analysis.topic)
        slot = self.library.break_times[variant_index(message, "break_time", len(self.library.break_times))]
        if topic is not None:
            finish = self._variant("rewrite_break_finish_topic", message, "finish", label=topic.label)
        else:
            finish = self._variant("rewrite_break_finish", message, "finish")
        values = dict(minutes=slot.minutes, finish=finish)
        values["return"] = slot.return_phrase
        text = _tidy(self.prompts.fill(template, **values))
        alternatives = [
            Alternative("brief", self._variant("rewrite_alt_break_brief", message, "alt_brief", **values)),
            Alternative("name_the_pattern", self._variant("rewrite_alt_break_pattern", message, "alt_pattern", **values)),
        ]
        break_sentence = next((s for s in sentences(text) if re.search(r"\b(break|pause)\b", s, re.I)), text)
        changes = [
            self._change(flag, break_sentence if flag.kind in ("stonewalling", "flooding", "demand") else "")
            for flag in analysis.flags
        ]
        return ComposedRewrite("break", text, alternatives, changes, self.prompts.get("rewrite_note_break"))

    # ------------------------------------------------------------------ shared
    def _variant(self, name: str, message: str, salt: str, **values: object) -> str:
        """One variant of ``prompts/<name>.md`` (chosen by the message hash), filled in and tidied."""
        return _tidy(self.prompts.fill(pick(self.prompts.variants(name), message, salt), **values))

    def _finish(
        self,
        analysis: Analysis,
        kind: RewriteKind,
        text: str,
        *,
        topic: TopicPhrasing | None,
        feeling_sentence: str | None = None,
        request: str | None = None,
        situation: str | None = None,
        ownership: str | None = None,
    ) -> ComposedRewrite:
        message = analysis.message
        before_request, request_part = split_request(text)
        feeling_sentence = feeling_sentence or before_request
        request = request or (sentences(request_part)[0] if request_part else "")
        first_sentence = sentences(text)[0]
        alternatives = self._alternatives(analysis, kind, text, feeling_sentence, request, topic)

        changes = []
        for flag in analysis.flags:
            if flag.kind == "contempt":
                after = ""
            elif flag.kind == "defensiveness":
                after = ownership or ""
            elif flag.kind == "demand":
                after = request
            elif kind == "defensive":
                after = ""  # counter-blame inside a defensive reply is dropped
            elif flag.kind in ("criticism", "absolute") and situation:
                after = situation
            else:
                after = first_sentence
            changes.append(self._change(flag, after))

        need = analysis.need or (topic.need if topic else "") or "what matters to you"
        note_name = "rewrite_note_defensive" if kind == "defensive" else "rewrite_note_softstart"
        note = self.prompts.render(note_name, need=need)
        return ComposedRewrite(kind, text, alternatives, changes, note)

    def _alternatives(
        self,
        analysis: Analysis,
        kind: RewriteKind,
        text: str,
        feeling_sentence: str,
        request: str,
        topic: TopicPhrasing | None,
    ) -> list[Alternative]:
        message = analysis.message
        values = dict(feeling_sentence=feeling_sentence, request=request)
        pattern_name = "rewrite_alt_pattern_defensive" if kind == "defensive" else "rewrite_alt_pattern"
        briefs = [
            _tidy(self.prompts.fill(template, **values))
            for template in rotated(self.prompts.variants("rewrite_alt_brief"), message, "alt_brief")
        ]
        alternatives = [
            Alternative("brief", next((brief for brief in briefs if brief != text), briefs[0])),
            Alternative("name_the_pattern", self._variant(pattern_name, message, "alt_pattern", **values)),
        ]
        if kind != "defensive":
            alternatives.append(Alternative("warm", self._variant("rewrite_alt_warm", message, "alt_warm", **values)))
        if analysis.flooded:
            slot = self.library.break_times[variant_index(message, "break_time", len(self.library.break_times))]
            values = dict(minutes=slot.minutes, label=topic.label if topic else "this")
            values["return"] = slot.return_phrase
            alternatives.append(Alternative("break", _tidy(self.prompts.render("rewrite_alt_pursuer_break", **values))))
        return [alt for alt in alternatives if alt.text != text]

    def _change(self, flag: Flag, after: str) -> Change:
        return Change(
            flag_kind=flag.kind,
            before=flag.text,
            after=after,
            why=self.library.change_reason(flag.kind, fallback=flag.antidote or flag.why),
        )


def content_subject(analysis: Analysis) -> str | None:
    """A neutral noun phrase naming what the message is about ("the dishes"), or None.

    Looks in the sentences that carry flags first, skips text that reads like instructions
    to a machine, drops insults and swaps "your/this" for "the" (family words keep "your").
    """
    message = analysis.message
    spans = [flag.span for flag in analysis.flags]
    parts = []
    position = 0
    for sentence in sentences(message):
        start = message.find(sentence, position)
        end = start + len(sentence)
        position = end
        flagged = any(s < end and e > start for s, e in spans)
        parts.append((not flagged, start, sentence))
    for _, _, sentence in sorted(parts):
        if _INJECTION_HINT.search(sentence):
            continue
        for match in _DETERMINER_PHRASE.finditer(sentence):
            determiner = match.group(1).lower()
            words = [w.lower() for w in match.groups()[1:] if w]
            words = [w for w in words if _could_be_subject(w)]
            if not words:
                continue
            noun = words[-1] if len(words) == 2 and words[0] in _NOT_SUBJECT else " ".join(words)
            if determiner in ("my", "our"):
                lead = determiner
            elif words[0] in _FAMILY or words[-1] in _FAMILY:
                lead = "your"
            else:
                lead = "the"
            return f"{lead} {noun}"
    return None


_ADJECTIVE_OR_VERB_ENDING = re.compile(r"(?:ly|ing|ed|ous|ful|less|ive|able|ible|ish|ant)$")
_NOUNS_WITH_THOSE_ENDINGS = {
    "meeting", "wedding", "evening", "morning", "building", "ceiling", "feeling", "spring", "thing", "ring",
    "bed", "shed", "need", "speed", "seed", "plant", "restaurant", "assistant", "servant", "tenant", "olive",
    "motive", "detective", "relative", "relatives", "table", "cable", "bible", "dish", "fish", "wish",
    "parking", "shopping", "cooking", "cleaning", "washing", "laundry", "painting", "clothing", "bedding",
}
_COMMON_ADJECTIVES = {
    "poor", "rich", "wrong", "right", "true", "false", "real", "full", "free", "fine", "nice", "mean", "cheap",
    "ignorant", "stupid", "silly", "dumb", "late", "early", "sick", "busy", "tired", "sure", "whole", "entire",
}


def _could_be_subject(word: str) -> bool:
    """A crude noun test (no tagger): not a function word, insult, adjective or verb form."""
    if len(word) <= 2 or word in _NOT_SUBJECT or word in _COMMON_ADJECTIVES:
        return False
    return word in _NOUNS_WITH_THOSE_ENDINGS or not _ADJECTIVE_OR_VERB_ENDING.search(word)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;?!])", r"\1", text)
    return text
