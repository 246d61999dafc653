"""A strict gate for a generated rewrite or reply (any engine may reuse it).

A text passes when:
* it invents nothing: every capitalised word (not at a sentence start) and every number in it appears in the
  message; a break may add its length and return time ("20 minutes", "at 8:30");
* it keeps the message's key nouns: names, numbers, days and times, and the nouns after "the/my/your/…";
* it has a first-person feeling and a request (a reply: a feeling, either side's, and a next step); a break:
  a pause of at least 20 minutes and a return;
* it has no harsh markers: absolutes, insults, sarcasm markers, shouting.

``check(message, text, kind)`` returns a ``GateResult`` whose ``problems`` say why a text failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.rewrite.checks import has_first_person_feeling, has_request

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NUMBER = re.compile(r"\$?\d+(?:[:.,]\d+)*(?:\s*(?:am|pm))?", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;—–\n(\"“]\s*|\s-\s)$")
_TITLE = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|St|Mt|Jr|Sr|Prof)\.\s*$")
_NOT_NAMES = {"i", "i'm", "i’m", "i'll", "i’ll", "i'd", "i’d", "i've", "i’ve", "ok", "okay"}
_BREAK_TIME = re.compile(
    r"\b\d{1,3}\s*(?:-\s*)?(?:minutes?|mins?|hours?|hrs?)\b"
    r"|\b(?:at|by|around|until|before|after)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o['’]clock)?",
    re.IGNORECASE,
)
_TIME_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays", "tuesdays",
    "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "tonight", "tomorrow", "yesterday",
    "weekend", "morning", "afternoon", "evening", "birthday", "anniversary", "christmas", "thanksgiving",
}
_DETERMINERS = {"the", "my", "your", "his", "her", "our", "their", "this", "that", "these", "those", "a", "an"}
# Words after a determiner that are not the key noun of anything.
_NOT_KEY = {
    "way", "thing", "things", "time", "times", "point", "whole", "same", "other", "one", "only", "first", "last",
    "next", "problem", "deal", "lot", "bit", "kind", "sort", "stuff", "end", "idea", "fact", "reason", "moment",
    "least", "most", "rest", "best", "worst", "real", "hell", "heck", "crap", "shit", "damn", "fuck", "god",
    "bad", "good", "guy", "guys", "life", "day", "days", "week", "weeks", "year", "years", "hour", "hours",
    "minute", "minutes", "second", "seconds", "again", "ever", "house", "home", "part", "side", "job",
    "maid", "mother", "slave", "servant", "therapist", "parent", "babysitter", "idiot", "child", "kid",
    "entire", "usual", "very", "new", "old", "big", "little", "second", "own", "few", "many", "much", "more",
    "less", "second", "answer", "question", "conversation", "talk", "attitude", "excuse", "excuses", "drama",
    "nerve", "audacity", "mood", "tone", "face", "mind", "fault", "problem", "issue", "issues", "reason",
}
_STOP = {
    "i", "me", "you", "we", "us", "he", "she", "it", "they", "them", "him", "is", "are", "was", "were", "be",
    "been", "am", "do", "did", "does", "done", "not", "no", "and", "or", "but", "so", "if", "then", "just",
    "to", "of", "in", "on", "at", "for", "with", "about", "from", "by", "as", "up", "out", "off", "over", "all",
    "again", "even", "still", "really", "very", "too", "also", "have", "has", "had", "get", "got", "go", "went",
    "gone", "going", "can", "could", "would", "will", "should", "what", "when", "where", "who", "why", "how",
    *_DETERMINERS,
}
_HARSH = re.compile(
    r"\b(?:always|never|every\s+(?:single\s+)?time|constantly|whatever|seriously|obviously|"
    r"of\s+course\s+you|as\s+usual|typical|idiot|idiotic|stupid|lazy|selfish|pathetic|useless|worthless|"
    r"crazy|insane|ridiculous|dumb|moron|jerk|loser|childish|immature|disgusting|clueless|"
    r"thanks\s+for\s+nothing|oh\s+great|shocker|big\s+surprise|what(?:'s|\s+is)\s+wrong\s+with\s+you|"
    r"shut\s+up|grow\s+up|get\s+over\s+it|you\s+people|wow)\b"
    r"|🙄|😒|!!|\?\?|\?!",
    re.IGNORECASE,
)
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
_SHOUT_OK = {"ADHD", "OCD", "USA", "DMV", "ATM", "TV", "IKEA", "NYC", "UPS", "PTA", "IRS", "ASAP", "OK", "CPR", "ER", "ICU"}
_REPLY_FEELING = re.compile(
    r"\b(?:you(?:'re|\s+are|\s+were|\s+felt|\s+feel|'ve\s+been)|sounds?\s+like|I\s+(?:hear|get|understand|can\s+see)|"
    r"makes\s+sense|that\s+(?:hurt|stung))\b",
    re.IGNORECASE,
)


_FEELING_EXTRA = re.compile(
    r"\bI\b[^.?!]{0,40}\b(?:feel|felt|feeling)\b|\b(?:scared|afraid|hurt|worried|lonely|embarrassed|humiliated|"
    r"anxious|stressed|exhausted|sad|upset|frustrated|overwhelmed|awkward|blindsided|unwanted|irritable|"
    r"fed\s+up|terrified|panicked|disappointed|nervous|drained|unseen|ignored|dismissed|heartbroken|"
    r"jealous|insecure|resentful|guilty|ashamed|rattled|shaken|crushed|sick\s+with\s+worry|"
    r"my\s+heart\s+(?:dropped|sank)|on\s+edge|left\s+out|alone|tired|worn\s+out|uneasy|pressured|"
    r"neglected|invisible|unappreciated|taken\s+for\s+granted|let\s+down|stung|flooded|bad|far\s+away|I\s+miss|miss\s+you|heart\s+broke|unwelcome|annoyed|irritated|angry|unheard|unimportant|disconnected|helpless|confused|grumpy|grossed\s+out|wiped\s+out|excited|getting\s+to\s+me|heated|worn\s+down|happy|glad|proud|relieved)\b",
    re.IGNORECASE,
)


_NUM_WORDS = {"twenty": 20, "twenty-five": 25, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60,
              "ninety": 90, "five": 5, "ten": 10, "fifteen": 15}
_MINUTES = re.compile(r"\b(\d+|" + "|".join(_NUM_WORDS) + r")[- ]?(?:minutes?|mins?)\b", re.IGNORECASE)
_LONG_PAUSE = re.compile(
    r"\b(?:an?|one|two|half\s+an|a\s+half|\d+|couple\s+of)[- ]?hours?\b|\btonight\b|\btomorrow\b|\bthis\s+(?:evening|afternoon)\b|"
    r"\bafter\s+(?:dinner|lunch|breakfast|supper|work|the\s+kids|my\s+(?:walk|run|shower))\b|\bin\s+the\s+morning\b|"
    r"\bwhen\s+I\s+get\s+home\b|\b(?:at|by)\s+\d{1,2}(?::\d{2})?\b|\bbefore\s+bed\b",
    re.IGNORECASE,
)
_RETURN = re.compile(
    r"\b(?:come\s+back|be\s+back|I['’]m\s+back|come\s+find\s+you|find\s+you|pick\s+(?:this|it|things)\s+(?:back\s+)?up|"
    r"get\s+back\s+to|return|finish|talk\s+(?:again|more|it\s+through|this\s+through|about\s+it|calmly)|continue|"
    r"keep\s+(?:talking|going|deciding|working)|sit\s+down|call\s+you|text\s+you|revisit|circle\s+back|"
    r"then\s+(?:let['’]s|we|I['’]ll|I\s+will)|can\s+we\s+(?:talk|come\s+back|sort|decide|look)|try\s+again)\b",
    re.IGNORECASE,
)


def break_gaps(text: str) -> list[str]:
    """A break needs a pause of at least 20 minutes (or an hour, tonight, after dinner…) and a return."""
    gaps = []
    minutes = [m for m in (_minutes_of(g) for g in _MINUTES.findall(text)) if m is not None]
    if any(m < 20 for m in minutes):
        gaps.append("a pause under 20 minutes")
    elif not (any(m >= 20 for m in minutes) or _LONG_PAUSE.search(text)):
        gaps.append("no pause of 20 minutes or more")
    if not (_RETURN.search(text) or re.search(r"\b(?:talk|call|again|back|later|figure|decide|sort)\b", text, re.IGNORECASE)):
        gaps.append("no return")
    return gaps


def _minutes_of(token: str) -> int | None:
    token = token.lower()
    return int(token) if token.isdigit() else _NUM_WORDS.get(token)


_OWNING = re.compile(
    r"\b(?:sorry|I\s+should\s+have|I\s+could\s+have|that['’]s\s+on\s+me|my\s+(?:part|fault|mistake)|I\s+was\s+wrong|"
    r"I\s+own|I\s+dropped|I\s+missed|I\s+forgot|I\s+let\s+it|I\s+get\s+why|you['’]re\s+right)\b",
    re.IGNORECASE,
)
_STEP = re.compile(
    r"\bI['’]ll\b|\bI\s+will\b|\bwe\s+can\b|\bnext\s+time\b|\bfrom\s+now\s+on\b|\bI['’]m\s+(?:going\s+to|on\s+my\s+way|putting|taking)\b",
    re.IGNORECASE,
)


def has_feeling(text: str) -> bool:
    return has_first_person_feeling(text) or bool(_FEELING_EXTRA.search(text))


@dataclass
class GateResult:
    passed: bool
    problems: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _norm(word: str) -> str:
    w = word.lower().replace("’", "'")
    for suffix in ("'s", "'"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    return w


def _stem(word: str) -> str:
    w = _norm(word)
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _vocab(text: str) -> set[str]:
    words = {_norm(w) for w in _WORD.findall(text)}
    return words | {_stem(w) for w in words}


def _numbers(text: str) -> set[str]:
    return {re.sub(r"\s+", "", m.group(0).lower()).lstrip("$") for m in _NUMBER.finditer(text)}


def capitalised_words(text: str) -> list[str]:
    """Capitalised words not at a sentence start (likely names), as written."""
    out = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if not word[0].isupper() or _norm(word) in _NOT_NAMES:
            continue
        before = text[: m.start()]
        if _SENTENCE_START.search(before) and not _TITLE.search(before):
            continue
        out.append(word)
    return out


def invented(message: str, text: str, *, allow_break_times: bool = True) -> list[str]:
    """Capitalised words and numbers in ``text`` that ``message`` does not contain (break times excepted)."""
    known = _vocab(message)
    known_numbers = _numbers(message)
    scan = _BREAK_TIME.sub(" ", text) if allow_break_times else text
    added = [w for w in capitalised_words(scan) if _norm(w) not in known and _stem(w) not in known]
    # A sentence-initial word is checked too when it is clearly a name: capitalised mid-sentence nowhere, and not
    # an ordinary word we know (kept light: only words the message lacks that look like names, e.g. "Marcus,").
    for m in re.finditer(r"(?:^|[.!?]\s+)([A-Z][a-z]+),", scan):
        word = m.group(1)
        if _norm(word) not in known and word.lower() not in _STOP and word.lower() not in {"okay", "hey", "honestly", "love", "babe", "honey", "sweetheart", "sorry", "yes", "well", "also", "and", "so", "look", "listen", "hi", "thanks", "right", "sure", "first", "tonight", "today", "later", "earlier", "lately", "still", "babe", "friday", "saturday", "sunday"}:
            added.append(word)
    for number in _numbers(scan):
        if number not in known_numbers and re.sub(r"(am|pm)$", "", number) not in {re.sub(r"(am|pm)$", "", n) for n in known_numbers}:
            added.append(number)
    return list(dict.fromkeys(added))


_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|[^\sA-Za-z]")
_NOUN_STOP = _STOP | {
    "during", "because", "while", "after", "before", "until", "since", "than", "like", "into", "onto", "at",
    "her", "this", "that", "which", "who", "there", "here", "now", "then", "ever", "anymore", "once", "twice",
}


def _looks_like_noun(word: str) -> bool:
    low = _norm(word)
    return not (
        low in _NOUN_STOP or low in _NOT_KEY or len(low) < 3 or "'" in low or word.isupper()
        or low.endswith(("ly", "ing", "ed", "n't"))
    )


def key_terms(message: str) -> dict[str, list[str]]:
    """The message's key terms: "names" (capitalised words, numbers, days and times) and "nouns" (the head
    words after the/my/your/our/his/their, up to two, within one phrase)."""
    names: list[str] = [w for w in capitalised_words(message) if not w.isupper()]
    names += sorted(_numbers(message))
    tokens = _TOKEN.findall(message)
    names += [t for t in tokens if _norm(t) in _TIME_WORDS and not t.isupper()]
    nouns: list[str] = []
    determiners = _DETERMINERS - {"her", "this", "that", "these", "those", "a", "an"}
    for i, tok in enumerate(tokens[:-1]):
        if _norm(tok) not in determiners:
            continue
        run = []
        for j in range(i + 1, min(i + 4, len(tokens))):
            tok_j = tokens[j]
            low = _norm(tok_j)
            if not tok_j[0].isalpha() or low in _NOUN_STOP or "'" in low or low.endswith(("ly", "ing", "ed", "n't")):
                break
            if low in _NOT_KEY or len(low) < 3 or tok_j.isupper():
                continue  # "the whole meal": skip "whole", keep looking
            run.append(tok_j)
            if len(run) == 2:
                break
        nouns += run
    def dedupe(items):
        seen, out = set(), []
        for t in items:
            key = t.lower() if t[:1].isdigit() or t.startswith("$") else _stem(t)
            if key not in seen:
                seen.add(key)
                out.append(t)
        return out
    names = dedupe(names)
    name_keys = {_stem(n) for n in names}
    return {"names": names, "nouns": [n for n in dedupe(nouns) if _stem(n) not in name_keys]}


def missing_terms(message: str, text: str, terms: list[str] | None = None) -> list[str]:
    """Terms absent from ``text`` (lower-case / simple-stem match; numbers as strings). Without ``terms``:
    every name, number and day of the message, and its key nouns but one when it has three or more."""
    vocab = _vocab(text)
    numbers = _numbers(text)

    def absent(term: str) -> bool:
        nums = _numbers(term)
        if nums and not nums <= numbers and not all(n in text.lower() for n in nums):
            return True
        parts = [p for p in _WORD.findall(term) if _norm(p) not in _STOP] or _WORD.findall(term)
        return any(_norm(p) not in vocab and _stem(p) not in vocab for p in parts)

    if terms is not None:
        return [t for t in terms if absent(t)]
    found = key_terms(message)
    missing = [t for t in found["names"] if absent(t)]
    nouns = [t for t in found["nouns"] if absent(t)]
    if len(found["nouns"]) >= 3 and len(nouns) <= 1:
        nouns = []
    return missing + nouns


def harsh_markers(text: str) -> list[str]:
    found = [m.group(0) for m in _HARSH.finditer(text)]
    found += [w for w in _SHOUT.findall(text) if w not in _SHOUT_OK]
    return found


def check(message: str, text: str | None, kind: str = "softstart") -> GateResult:
    """Does ``text`` (a rewrite of ``message``, or for kind "reply" an answer to it) pass the gate?"""
    if not text or not text.strip():
        return GateResult(False, ["empty"])
    problems: list[str] = []
    added = invented(message, text, allow_break_times=kind == "break")
    if added:
        problems.append(f"invents {', '.join(added)}")
    missing = missing_terms(message, text)
    if missing:
        problems.append(f"drops {', '.join(missing)}")
    if kind == "break":
        problems += break_gaps(text)
    elif kind in ("reply", "defensive"):
        if not (has_feeling(text) or _REPLY_FEELING.search(text) or _OWNING.search(text)):
            problems.append("no feeling, validation or owned part")
        if not (has_request(text) or _STEP.search(text)):
            problems.append("no request or next step")
    else:
        if not has_feeling(text):
            problems.append("no feeling")
        if not has_request(text):
            problems.append("no request")
    harsh = harsh_markers(text)
    if kind == "mixed":  # the gentle half is kept word for word, with its "!!"
        harsh = [h for h in harsh if h not in ("!!",)]
    if harsh:
        problems.append(f"harsh: {', '.join(harsh)}")
    if len(text) > 3 * len(message) + 250:
        problems.append("too long")
    return GateResult(not problems, problems, added, missing)
