"""The checks every rewrite must pass before Softstart shows it.

A draft (ours or a language model's) passes when:

* re-analysis finds no criticism, contempt, absolute, demand or defensiveness;
* it says a first-person feeling and makes a request, or, when the original was
  withdrawing, it asks for a break and promises to come back at a stated time
  (any stated break of at least 20 minutes);
* it stays on the original topic: its embedding similarity to the original message, or to
  our own composed rewrite of that message (the "reference", on-topic by construction),
  reaches the floor;
* it adds no facts: no numbers, names, times or places absent from the original
  (a break script may state its break length and return time);
* it is not absurdly long (at most 3x the original plus 200 characters).
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Sequence

from app.detect.types import Analysis, AnalysisContext, RewriteCheck
from app.backends.embeddings import Embedder

log = logging.getLogger(__name__)

AnalyzeFn = Callable[..., Analysis]

FORBIDDEN_KINDS = frozenset({"criticism", "contempt", "absolute", "demand", "defensiveness"})
WITHDRAW_KINDS = frozenset({"stonewalling", "flooding"})
MIN_BREAK_MINUTES = 20
# Topic floor on max(similarity to the original, similarity to our composed rewrite).
# Tuned on the labelled set (188 harsh rows): our alternative phrasings (brief / pattern /
# warm / other variants) score >= 0.40 in 97.4% of cases, poems and unrelated texts never
# (max 0.38), rewrites about a different topic in 22.6% (those share our scaffolding).
# Raw similarity to the original alone cannot separate them for short messages ("??",
# "Real mature."): median 0.19 for good rewrites, while poems reach 0.3.
DEFAULT_SIMILARITY_FLOOR = 0.4

FEELING_WORDS = (
    "anxious", "lonely", "alone", "hurt", "overwhelmed", "frustrated", "worried", "sad", "scared",
    "afraid", "nervous", "stressed", "upset", "disappointed", "disconnected", "left out", "unheard",
    "unimportant", "invisible", "unappreciated", "insecure", "tired", "exhausted", "drained",
    "flooded", "tense", "uneasy", "on edge", "embarrassed", "jealous", "bad", "guilty", "rejected",
    "helpless", "confused", "torn", "stuck", "irritated", "annoyed", "angry", "resentful", "distant",
    "low", "down", "unsure", "uncertain", "discouraged", "taken for granted", "uncomfortable",
    "ashamed", "worn out", "let down", "small", "panicky", "on my own", "unseen", "unloved",
    "neglected", "sidelined", "heartbroken", "miserable", "shaken", "stretched thin", "burned out",
    "burnt out", "unsupported", "worked up", "raw", "fragile", "defensive",
    "terrified", "frightened", "humiliated", "devastated", "crushed", "ignored", "wound up", "panicked",
    "left behind", "betrayed", "gutted", "really angry", "really sad", "heartsick", "dismissed", "disrespected",
)
_FEELING_ALT = "|".join(sorted((re.escape(w) for w in FEELING_WORDS), key=len, reverse=True))
_FEELING = re.compile(
    r"\bI(?:\s*['’]m|\s+am|\s*['’]ve\s+been|\s+have\s+been)?\s+"
    r"(?:(?:really|so|very|quite|pretty|a\s+bit|a\s+little|kind\s+of|sort\s+of|just|also|still|too|"
    r"getting|starting\s+to\s+feel|starting\s+to\s+get|feeling|feel|felt|get|getting)\s+){0,3}"
    rf"(?:{_FEELING_ALT})\b",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"\b(?:could|would|can|will)\s+(?:you|we)\b|\bshall\s+we\b|\bwould\s+it\s+be\s+(?:possible|okay|ok)\b"
    r"|\bI(?:\s*['’]d|\s+would)\s+(?:really\s+)?(?:love|like|appreciate)\b|\bI\s+need\b|\bit\s+would\s+(?:help|mean)\b"
    r"|\blet['’]?s\b|\blet\s+us\b|\bplease\b|\bhow\s+about\b|\bwhat\s+if\s+we\b|\bI['’]m\s+(?:asking|hoping)\b"
    r"|\bare\s+you\s+(?:willing|open)\b|\bdo\s+you\s+think\s+we\s+could\b",
    re.IGNORECASE,
)
_BREAK = re.compile(
    r"\b(?:break|pause|breather|time[- ]?out|step\s+away|step\s+out|cool\s+down|calm\s+down|"
    r"some\s+space|a\s+few\s+minutes|take\s+(?:some|a\s+little)\s+time)\b",
    re.IGNORECASE,
)
_RETURN = re.compile(
    r"\b(?:come\s+back|be\s+back|come\s+find\s+you|find\s+you|pick\s+(?:this|it|things)\s+up|get\s+back\s+to|"
    r"return|finish\s+(?:this|talking|our)|talk\s+(?:again|more|it\s+through|this\s+through)|continue|"
    r"keep\s+talking|come\s+to\s+you)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "twenty-five": 25, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}
_STATED_TIME = re.compile(
    r"\b(?:at|by|around|until)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o['’]clock)?"
    r"|\bin\s+(?:about\s+|around\s+|roughly\s+)?(?:half\s+an\s+hour|an\s+hour|a\s+half\s+hour|"
    r"(?:\d+|" + "|".join(_NUMBER_WORDS) + r")\s+(?:minutes?|mins?|hours?))"
    r"|\bafter\s+(?:dinner|lunch|breakfast|supper|the\s+kids|my\s+walk|the\s+break|that)\b"
    r"|\btonight\b|\bthis\s+(?:evening|afternoon)\b|\btomorrow\b|\bbefore\s+bed(?:time)?\b",
    re.IGNORECASE,
)
_MINUTES = re.compile(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")[- ]?(?:minutes?|mins?)\b", re.IGNORECASE)

_NUMBER = re.compile(r"\b\d+(?:[:.,]\d+)*\b")
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"sixty|hundred|thousand|million|dozen)\b",
    re.IGNORECASE,
)
_TIME_WORD = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|weekends?|mornings?|afternoons?|evenings?|midnight|noon|"
    r"o['’]clock|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weeks?|months?|years?|am|pm)\b",
    re.IGNORECASE,
)
_PLACE_WORD = re.compile(
    r"\b(?:restaurant|bar|pub|gym|office|park|beach|airport|mall|church|school|hospital|cafe|café|"
    r"station|store|shop|supermarket|cinema|hotel|club|library|party|wedding|concert)s?\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;—–\n(\"“]\s*|\s-\s)$")
_NOT_NAMES = {"i", "i'm", "i’m", "i'll", "i’ll", "i'd", "i’d", "i've", "i’ve", "ok", "okay"}


def wants_break(analysis: Analysis) -> bool:
    """Is this a withdrawing message that should become a break script?"""
    kinds = {flag.kind for flag in analysis.flags}
    if kinds & WITHDRAW_KINDS and analysis.move != "pursue":
        return True
    return analysis.move == "withdraw" and "defensiveness" not in kinds


def has_first_person_feeling(text: str) -> bool:
    return bool(_FEELING.search(text))


def has_request(text: str) -> bool:
    return bool(_REQUEST.search(text))


def break_problems(text: str) -> list[str]:
    """What a break script is missing: a pause, a return, a stated time, 20+ minutes."""
    problems = []
    if not _BREAK.search(text):
        problems.append("does not ask for a break or pause")
    if not _RETURN.search(text):
        problems.append("does not promise to come back")
    if not _STATED_TIME.search(text):
        problems.append("does not say when the sender will come back")
    short = [m for m in (_minutes_value(g) for g in _MINUTES.findall(text)) if m is not None and m < MIN_BREAK_MINUTES]
    if short:
        problems.append(f"states a break shorter than {MIN_BREAK_MINUTES} minutes")
    return problems


def _minutes_value(token: str) -> int | None:
    token = token.lower()
    if token.isdigit():
        return int(token)
    return _NUMBER_WORDS.get(token)


def stated_facts(text: str, *, include_times: bool = True) -> set[str]:
    """Numbers, names, times and places a text states, lower-cased (for comparison)."""
    facts: set[str] = set()
    patterns = [_PLACE_WORD]
    if include_times:
        patterns += [_NUMBER, _NUMBER_WORD, _TIME_WORD]
    for pattern in patterns:
        facts.update(m.group(0).lower() for m in pattern.finditer(text))
    facts.update(_capitalised_words(text))
    return facts


def _capitalised_words(text: str) -> set[str]:
    """Capitalised words that do not start a sentence: likely names of people or places."""
    names = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[0].isupper() or word.lower() in _NOT_NAMES:
            continue
        if _SENTENCE_START.search(text[: match.start()]):
            continue
        names.add(word.lower().rstrip("'’"))
    return names


def new_facts(original: str, draft: str, *, break_script: bool = False) -> set[str]:
    """Facts in ``draft`` that ``original`` does not state (break scripts may add their times)."""
    known = {w.lower() for w in _WORD.findall(original)} | {m.group(0).lower() for m in _NUMBER.finditer(original)}
    added = stated_facts(draft, include_times=not break_script)
    return {fact for fact in added if fact not in known and fact.rstrip("s") not in known}


def max_length(original: str) -> int:
    return 3 * len(original) + 200


class RewriteChecker:
    """Runs the checks; ``analyze`` re-reads drafts, ``embedder`` (optional) measures topic drift."""

    def __init__(
        self,
        *,
        analyze: AnalyzeFn,
        embedder: Embedder | None,
        similarity_floor: float = DEFAULT_SIMILARITY_FLOOR,
    ):
        self.analyze = analyze
        self.embedder = embedder
        self.similarity_floor = similarity_floor

    def check(self, original: Analysis, draft: str, *, reference: str | None = None, topic: bool = True) -> RewriteCheck:
        """Check one draft; ``reference`` is our own composed rewrite of the same message."""
        return self.check_all(original, [draft], reference=reference, topic=topic)[0]

    def check_all(
        self, original: Analysis, drafts: Sequence[str], *, reference: str | None = None, topic: bool = True
    ) -> list[RewriteCheck]:
        """Check several drafts of one message, embedding the message and reference once.

        ``topic=False`` skips the embedding topic check: for our own composed rewrites, which are
        built from the message's own topic and words, it cannot fail and costs a model pass.
        """
        drafts = [(draft or "").strip() for draft in drafts]
        if topic:
            scores = self._topic_scores(original.message, drafts, reference)
        else:
            scores = [(None, None)] * len(drafts)
        return [self._check_one(original, draft, *score) for draft, score in zip(drafts, scores)]

    def _topic_scores(self, message: str, drafts: list[str], reference: str | None) -> list[tuple[float | None, float | None]]:
        """(similarity to the message, similarity to the reference) per draft; None without embedder."""
        if self.embedder is None or not drafts:
            return [(None, None)] * len(drafts)
        texts = [message] + ([reference] if reference else [])
        texts += [d for d in dict.fromkeys(drafts) if d not in texts]  # embed each text once
        vectors = dict(zip(texts, self.embedder.embed([t or " " for t in texts])))

        def dot(a, b):
            return float(sum(x * y for x, y in zip(a, b)))

        return [
            (dot(vectors[message], vectors[d]), dot(vectors[reference], vectors[d]) if reference else None)
            for d in drafts
        ]

    def _check_one(
        self, original: Analysis, draft: str, similarity: float | None, reference_similarity: float | None
    ) -> RewriteCheck:
        if not draft:
            return RewriteCheck(passed=False, reasons=["the draft is empty"])
        reasons: list[str] = []
        reread = self.analyze(draft, AnalysisContext())
        harsh = sorted({flag.kind for flag in reread.flags if flag.kind in FORBIDDEN_KINDS})
        if harsh:
            reasons.append("still harsh: " + ", ".join(harsh))

        is_break = wants_break(original)
        if is_break:
            reasons.extend(break_problems(draft))
        else:
            if not has_first_person_feeling(draft):
                reasons.append("no first-person feeling (I feel ...)")
            if not has_request(draft):
                reasons.append("no request (could you / can we / I'd love ...)")

        if similarity is not None:
            topic_score = max(similarity, reference_similarity if reference_similarity is not None else -1.0)
            if topic_score < self.similarity_floor:
                detail = f"similarity {similarity:.2f} to the message"
                if reference_similarity is not None:
                    detail += f", {reference_similarity:.2f} to our own rewrite"
                reasons.append(f"off topic: {detail}, below {self.similarity_floor:.2f}")

        added = new_facts(original.message, draft, break_script=is_break)
        if added:
            # These are the draft's words that the message does not contain, never the user's text.
            reasons.append(f"adds facts not in the message ({len(added)}): " + ", ".join(sorted(added)))

        if len(draft) > max_length(original.message):
            reasons.append(f"too long: {len(draft)} characters, limit {max_length(original.message)}")

        if reasons:
            log.debug("draft failed %d check(s)", len(reasons))
        return RewriteCheck(passed=not reasons, reasons=reasons, similarity=similarity)
