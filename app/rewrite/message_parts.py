"""Reads the sender's own message into the parts of a soft start-up.

Each sentence becomes one of: ``gentle`` (kept word for word), ``request`` (the sender's own ask),
``feeling`` (the sender's own feeling words), ``denial`` (what a defending sender disputes),
``attack`` (insult, sarcasm or a rhetorical jab with no facts: dropped) or ``observation`` (facts,
kept with blame, absolutes and sarcasm stripped; the agent and the verb stay).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from app.rewrite.message_parser import Parsed, Parser

Part = Literal["gentle", "request", "feeling", "denial", "attack", "observation"]

# --------------------------------------------------------------------------- word lists
_TEXTSPEAK = {
    "u": "you", "ur": "your", "r": "are", "im": "I'm", "i": "I", "dont": "don't", "didnt": "didn't", "cant": "can't",
    "wont": "won't", "thats": "that's", "ive": "I've", "id": "I'd", "ill": "I'll", "youre": "you're", "doesnt": "doesn't",
    "isnt": "isn't", "wasnt": "wasn't", "havent": "haven't", "pls": "please", "plz": "please", "tmrw": "tomorrow",
    "tonite": "tonight", "bc": "because", "cuz": "because", "coz": "because", "ppl": "people", "gonna": "going to",
    "wanna": "want to", "gotta": "have to", "ya": "you", "yr": "your", "abt": "about", "w/": "with", "rn": "right now",
}
_DROP_WORDS = {
    "always", "constantly", "literally", "even", "seriously", "honestly", "obviously", "clearly", "again", "ever",
    "fucking", "fuckin", "freaking", "frickin", "bloody", "damn", "damned", "goddamn", "effing", "stupid", "stinking",
    "lazy", "selfish", "useless", "pathetic", "ridiculous", "childish", "inconsiderate", "idiotic", "thoughtless",
    "typical", "precious", "oh", "wow", "omg", "ugh", "lol", "lmao", "smh", "fyi", "soooo", "sooo", "like",
    "just", "really", "actually", "whatsoever", "once", "ffs", "idiot", "moron", "jerk", "loser", "asshole", "dumbass", "bro", "dude", "imagine", "lmfao", "jeez", "geez",
}
_DROP_PHRASES = re.compile(
    r"\b(?:all the time|every (?:single )?time|every single day|every day|as usual|yet again|once again|the hell|"
    r"the fuck|you (?:idiot|moron|jerk|loser|asshole|dumbass|clown|child)|for once|for god'?s sake|for crying out loud|of course|as always|like always|"
    r"thanks for nothing|thanks a lot|great job|good job|well done|nice going|real mature|how nice|cool|"
    r"no big deal i guess|i guess|whatever|apparently|how hard is it to|how hard can it be to|"
    r"(?:like )?(?:\d+|a million|a hundred|ten|six|five) times|fine then|thanks so much|for the record|remember when|though)\b",
    re.IGNORECASE,
)
_ATTACK = re.compile(
    r"^\W*(?:what(?:'s| is) wrong with you|are you (?:serious|kidding|joking|insane|crazy|stupid|for real|trying to)|"
    r"seriously|unbelievable|typical|wow|nice|great|cool|perfect|thanks|whatever|grow up|get a grip|"
    r"(?:do|did) you (?:even|ever) (?:care|think|listen)|who does that|what kind of|you(?:'re| are) (?:so |such an? |a |an |being )?"
    r"(?:lazy|selfish|useless|pathetic|ridiculous|childish|impossible|unbelievable|idiot|jerk|joke|child|baby|liar|"
    r"nightmare|clueless|hopeless|crazy|insane|paranoid|dramatic|mean|cold|heartless|mess|disaster)|"
    r"i can'?t believe you|un-?real|it'?s like you (?:don'?t|do not) care|you (?:don'?t|do not) care|classic|of course|figures|sure|ok(?:ay)?|fine|k|lol|smh|real mature|"
    r"must be nice|good for you|real classy|classy|very mature|so mature|thanks a lot|thanks for nothing|how (?:could|can|dare) you|"
    r"is it (?:really )?that hard|how hard is it|you never learn|you(?:'re| are) unbelievable|un ?believable)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(?:thank(?:s| you)|love you|appreciate|grateful|glad|I know you(?:'re| are)? (?:tired|busy|trying|stressed)|"
    r"I know (?:it|work|things)|I get (?:it|that)|I understand|proud of|I miss you|it was (?:nice|lovely|great)|"
    r"you(?:'re| are| were) (?:great|amazing|wonderful|sweet|kind|lovely) (?:with|to|at|about)|meant a lot|"
    r"I had (?:a )?(?:great|lovely|nice|good) time|I (?:really )?lov(?:e|ed) (?:the|our|your|that|how|it)|congrat\w*|"
    r"(?:was|were|is) (?:so |really )?(?:nice|sweet|lovely|great|amazing|wonderful|thoughtful)|it meant a lot|means a lot)\b",
    re.IGNORECASE,
)
_HARSH_MARK = re.compile(r"[!?]{2,}|\b(?:never|always|every time|again|seriously|what is wrong|whatever|ridiculous|"
                         r"lazy|selfish|useless|pathetic|stupid|idiot|fuck\w*|shit\w*|damn|hell|clearly|obviously|"
                         r"how hard|can't even|even bother|thanks for nothing|god)\b", re.IGNORECASE)
_REQUEST_START = re.compile(
    r"^\W*(?:(?:and|so|but|just|pls|please|now)\W+)*(?:please\s+|can you|could you|would you|will you|can we|could we|"
    r"i need you to|i want you to|i'd like you to|i would like you to|you need to|you have to|you should|you gotta|"
    r"you better|next time|let'?s|how about|maybe you could|it would help if you|do not|don't|stop|quit|"
    r"how many times do i have to (?:ask|tell) you to|why can'?t you (?:just )?)",
    re.IGNORECASE,
)
_FEELING_WORDS = (
    "scared", "terrified", "afraid", "frightened", "worried", "anxious", "nervous", "panicked", "hurt", "sad",
    "lonely", "alone", "embarrassed", "humiliated", "ashamed", "exhausted", "tired", "drained", "worn out",
    "overwhelmed", "frustrated", "annoyed", "irritated", "angry", "upset", "disappointed", "jealous", "insecure",
    "stressed", "left out", "invisible", "unimportant", "ignored", "unheard", "unappreciated", "taken for granted",
    "heartbroken", "crushed", "confused", "uncomfortable", "let down", "rejected", "betrayed", "furious", "livid",
    "pissed", "mad", "gutted", "devastated", "shaken", "on edge", "resentful", "helpless", "miserable",
)
_FEELING_MAP = {"pissed": "angry", "mad": "angry", "furious": "really angry", "livid": "really angry",
                "ignored": "ignored", "gutted": "really sad", "betrayed": "hurt", "panicked": "panicky"}
_OWN_FEELING = re.compile(
    r"\b(?:I(?:'m| am| was| feel| felt| get| got|'ve been| have been)|makes? me(?: feel)?|made me(?: feel)?|"
    r"leaves? me feeling|left me feeling)\s+(?:so |really |very |pretty |kind of |a bit |a little |"
    r"just |totally |completely |feeling |getting )*(" + "|".join(sorted(map(re.escape, _FEELING_WORDS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_DENIAL = re.compile(
    r"\b(?:I (?:didn't|did not|never|wasn't|was not|don't|do not|haven't|have not|am not|'m not|can't(?! believe))|"
    r"I'm not|that's not (?:true|what)|not true|it wasn't me|I did (?:\w+ )?it|I already|I was (?:at|with|busy|working)|"
    r"you never told me|you didn't tell me|nobody told me|no one told me)\b",
    re.IGNORECASE,
)
_COUNTER = re.compile(
    r"\b(?:you(?:'re| are) the one who|what about you|at least I|like you(?:'ve| have)? never|you do it too|"
    r"you're one to talk|look who's talking|so do you|neither do you|you're not perfect|excuse me for)\b",
    re.IGNORECASE,
)
_INJECTION = re.compile(
    r"\b(?:ignore (?:all |the |your )?(?:previous|prior|above) |instructions?\b|system prompt|jailbreak|pretend you|"
    r"you are now|act as (?:a|an)\b|write (?:a|me a) (?:poem|story|song|essay))", re.IGNORECASE)
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]+")
_IRREGULAR = {
    "tell": "told", "go": "went", "say": "said", "leave": "left", "forget": "forgot", "buy": "bought", "take": "took",
    "make": "made", "come": "came", "get": "got", "give": "gave", "do": "did", "have": "had", "see": "saw", "run": "ran",
    "drive": "drove", "eat": "ate", "spend": "spent", "send": "sent", "bring": "brought", "think": "thought",
    "put": "put", "let": "let", "keep": "kept", "pay": "paid", "lose": "lost", "sleep": "slept", "write": "wrote",
    "break": "broke", "choose": "chose", "know": "knew", "throw": "threw", "hang": "hung", "be": "were",
    "feel": "felt", "hear": "heard", "find": "found", "stand": "stood", "sit": "sat", "win": "won", "read": "read",
    "ring": "rang", "speak": "spoke", "wake": "woke", "hit": "hit", "cut": "cut", "set": "set", "show": "showed",
    "meet": "met", "begin": "began", "teach": "taught", "catch": "caught", "fight": "fought", "wear": "wore",
    "ride": "rode", "sell": "sold", "drink": "drank", "swim": "swam", "sing": "sang", "shut": "shut", "hide": "hid",
}


def past(verb: str) -> str:
    """A simple past tense for a verb lemma (irregulars from a table, the rest by rule)."""
    verb = verb.lower()
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "d"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ied"
    if re.search(r"[^aeiou][aeiou][bdgmnpt]$", verb) and len(verb) <= 4:
        return verb + verb[-1] + "ed"
    return verb + "ed"


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Sentence:
    text: str  # as typed
    part: Part
    clean: str = ""  # the softened clause (observation / request / denial), lower-case start
    feeling: str | None = None


@dataclass(frozen=True)
class MessageParts:
    message: str
    sentences: list[Sentence]
    feelings: list[str] = field(default_factory=list)  # the sender's own feeling words
    topic: str | None = None  # a noun phrase from the message ("Lee's barbecue", "the laundry")
    nouns: list[str] = field(default_factory=list)  # content noun phrases, in order

    def of(self, part: Part) -> list[Sentence]:
        return [s for s in self.sentences if s.part == part]

    @property
    def request(self) -> str | None:
        asks = [s.clean for s in self.of("request") if s.clean]
        return asks[0] if asks else None


# --------------------------------------------------------------------------- reading
def normalise(text: str) -> str:
    text = _EMOJI.sub(" ", text)
    text = re.sub(r"(?<![A-Za-z])['‘](\w+)['’](?![A-Za-z])", r"\1", text)  # sarcasm quotes around one word
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"(?i)\bur (\w+ing)\b", r"you're \1", text)
    words = re.split(r"(\s+)", text)
    out = []
    for w in words:
        core = w.strip(".,!?;:")
        repl = _TEXTSPEAK.get(core.lower()) if core else None
        out.append(w.replace(core, repl, 1) if repl else w)
    text = "".join(out)
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        text = text.lower()
    else:  # a shouted word inside a sentence ("AGAIN", "NEVER")
        text = re.sub(r"\b([A-Z]{3,})\b", lambda m: m.group(1).lower(), text)
    text = re.sub(r"\bi\b", "I", text)
    return re.sub(r"\s+", " ", text).strip()


def soften_clause(text: str) -> str:
    """Strips blame words, absolutes, swearing and sarcasm from one clause; keeps who did what."""
    t = " " + text.strip() + " "
    t = re.sub(r"[!?]+", ".", t)
    t = re.sub(r"\.{2,}", ".", t)
    t = _DROP_PHRASES.sub(" ", t)
    # "never" keeps the meaning as a plain negative about this time
    t = re.sub(r"\b(you|he|she|they|we|I)\s+never\s+(\w+)", lambda m: f"{m.group(1)} didn't {_lemma_guess(m.group(2))}", t, flags=re.I)
    t = re.sub(r"\bnever\b", "not", t, flags=re.I)
    t = re.sub(r"\b(?:so|too|such)\s+(?=(?:lazy|selfish|useless|rude|mean|careless|inconsiderate)\b)", " ", t, flags=re.I)
    words = t.split()
    kept = [w for w in words if w.lower().strip(".,;:") not in _DROP_WORDS]
    t = " ".join(kept)
    t = re.sub(r"\s+([.,;:])", r"\1", t)
    t = re.sub(r"^[\s,.;:-]+|[\s,;:-]+$", "", t)
    t = re.sub(r"(?i)^(?:(?:and|but|so|then|plus|also|because|cause|like|ok|okay|well|yeah|yes|no|hey)\b[\s,]*)+", "", t)
    t = re.sub(r"^(You|He|She|They|We)\b", lambda m: m.group(1).lower(), t)
    t = re.sub(r"\b(a|an|the)\s+(?=[.,;]|$)", "", t)
    return t.strip().rstrip(".").strip()


def _lemma_guess(word: str) -> str:
    """Base form of a past-tense verb after "never" ("told" -> "tell")."""
    w = word.lower()
    for base, form in _IRREGULAR.items():
        if form == w:
            return base
    if w.endswith("ied"):
        return w[:-3] + "y"
    if w.endswith("ed") and len(w) > 4:
        stem = w[:-2]
        if stem.endswith(("at", "iv", "ag", "os", "ok", "ar", "ar", "ur", "in", "ad", "ov", "ag", "us")) and not stem.endswith("ll"):
            return stem + "e" if not stem.endswith(("ck", "ss")) else stem
        if len(stem) > 2 and stem[-1] == stem[-2]:
            return stem[:-1]
        return stem
    return w


def question_to_statement(text: str) -> str:
    """ "why didn't you call" -> "you didn't call"; "where were you last night" -> "I didn't know where you were last night"."""
    t = text.strip().rstrip("?.! ")
    t = re.sub(r"(?i)^(?:(?:and|but|so|also|then|plus|ok|okay)\b[\s,]*)+", "", t)
    m = re.match(r"(?i)^why\s+(?:is|was|are|were)\s+there\s+(.*)$", t)
    if m:
        return f"there's {m.group(1)}"
    m = re.match(r"(?i)^(?:so |and |but )?why\s+(didn't|don't|can't|won't|wouldn't|couldn't|aren't|isn't|weren't)\s+you\s+(.*)$", t)
    if m:
        return f"you {m.group(1).lower()} {m.group(2)}"
    m = re.match(r"(?i)^(?:so |and |but )?why\s+(?:did)\s+you\s+(\w+)\s*(.*)$", t)
    if m:
        return f"you {past(m.group(1))} {m.group(2)}".strip()
    m = re.match(r"(?i)^(?:so |and |but )?why\s+(?:do)\s+you\s+(.*)$", t)
    if m:
        return f"you {m.group(1)}"
    m = re.match(r"(?i)^(?:so |and |but )?why\s+(?:are|were)\s+you\s+(.*)$", t)
    if m:
        return f"you were {m.group(1)}" if re.match(r"(?i).*\bwere\b", t.split()[1] if len(t.split()) > 1 else "") else f"you're {m.group(1)}"
    m = re.match(r"(?i)^(?:so |and |but )?why\s+(is|was|are|were)\s+(.*)$", t)
    if m:
        rest = m.group(2).split(" ", 1)
        return f"{m.group(2)}" if len(rest) < 2 else f"{rest[0]} {m.group(1).lower()} {rest[1]}"
    m = re.match(r"(?i)^why\s+do\s+I\s+(?:always\s+)?have\s+to\s+(.*)$", t)
    if m:
        return f"I have to {m.group(1)}"
    m = re.match(r"(?i)^where\s+(were|are)\s+you\s*(.*)$", t)
    if m:
        return f"I didn't know where you {m.group(1).lower()} {m.group(2)}".strip()
    m = re.match(r"(?i)^(?:did|do|have|are|were|is|can|could|would|will)\s+you\s+(?:even\s+|ever\s+)?(.*)$", t)
    if m and not _REQUEST_START.match(t):
        return ""  # a jab phrased as a question ("do you even listen"): no facts to keep
    return t


class MessageReader:
    """Splits a message into the parts of a soft start-up; ``parser`` supplies sentences and nouns."""

    def __init__(self, parser: Parser, cache_size: int = 256):
        self.parser = parser
        self.cache_size = cache_size
        self._cache: dict[str, MessageParts] = {}

    def read(self, message: str) -> MessageParts:
        """The parts of ``message`` (the last few are kept: one request reads its message more than once)."""
        found = self._cache.get(message)
        if found is None:
            found = self._read(message)
            if len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[message] = found
        return found

    def _read(self, message: str) -> MessageParts:
        text = normalise(message)
        parsed = self.parser.parse(text)
        sentences = [self._sentence(c) for s in parsed.sentence_texts() for c in clauses(s)]
        feelings = []
        for m in _OWN_FEELING.finditer(text):
            word = _FEELING_MAP.get(m.group(1).lower(), m.group(1).lower())
            if word not in feelings:
                feelings.append(word)
        nouns = noun_phrases(parsed)
        gentle = " ".join(s.text for s in sentences if s.part == "gentle").lower()
        focus = [n for n in nouns if n.lower() not in gentle] or nouns
        owned = [n for n in focus if re.match(r"(?i)^(?:the|your|my|our|his|her|their)\s", n) or "'s " in n or "' " in n]
        focus = owned or []
        return MessageParts(message, sentences, feelings, topic=focus[0] if focus else None, nouns=nouns)

    def _sentence(self, text: str) -> Sentence:
        stripped = text.strip()
        if _INJECTION.search(stripped):  # instructions to a machine are text to leave out, never to follow
            return Sentence(text, "attack")
        feeling = _OWN_FEELING.search(stripped)
        if _COUNTER.search(stripped):
            rest = _COUNTER.sub(" ", stripped)
            return Sentence(text, "attack", clean=soften_clause(rest))
        if _ATTACK.match(stripped) and len(re.findall(r"\w+", soften_clause(_ATTACK.sub(" ", stripped)))) < 3:
            return Sentence(text, "attack")
        if _POSITIVE.search(stripped) and not _HARSH_MARK.search(re.sub(r"[!?]+", ".", stripped)):
            return Sentence(text, "gentle")
        if _REQUEST_START.match(stripped):
            ask = request_clause(stripped)
            if ask:
                return Sentence(text, "request", clean=ask)
        if re.search(r"(?i)\bplease\b", stripped) and not stripped.rstrip().endswith("?"):
            ask = request_clause(re.sub(r"(?i)^.*?\bplease\b[,]?\s*", "please ", stripped))
            if ask:
                return Sentence(text, "request", clean=ask)
        if _DENIAL.search(stripped):
            return Sentence(text, "denial", clean=denial_clause(stripped))
        if feeling and len(re.findall(r"\w+", stripped)) <= 6:
            return Sentence(text, "feeling", feeling=feeling.group(1).lower())
        if stripped.endswith("?") or re.match(r"(?i)^(?:(?:and|but|so)\s+)?(?:why|where|what|how|did|do|are|were|is)\b", stripped):
            statement = question_to_statement(stripped)
            clean = soften_clause(statement) if statement else ""
            return Sentence(text, "observation" if _has_content(clean) else "attack", clean=clean)
        clean = soften_clause(stripped)
        return Sentence(text, "observation" if _has_content(clean) else "attack", clean=clean)


_CLAUSE_CUT = re.compile(r"(?i),?\s+but\s+|,\s+(?=(?:and\s+)?(?:do not|don't|stop|quit|please|why|how come|you\s+(?:never|always|can't|didn't|don't|won't)|wish you)\b)")


def sounds_harsh(parts: "MessageParts") -> bool:
    """A harsh marker the sender's words carry (absolutes, swearing, sarcasm, a jab, counter-blame, shouting)."""
    if any(s.part == "attack" for s in parts.sentences):
        return True
    raw = parts.message
    return bool(_HARSH_MARK.search(raw) or _COUNTER.search(raw) or re.search(r"\b[A-Z]{3,}\b", raw)
                or re.search(r"(?<![A-Za-z])['‘]\w+['’](?![A-Za-z])", raw))


_WITHDRAW = re.compile(
    r"\b(?:I'?m done (?:talking|discussing|fighting|arguing|with this)|leave me alone|I can'?t do this|I'?m not (?:talking|discussing|doing this)|"
    r"I'?m going to bed|I'?m leaving|I'?m out|forget it|talk later|not doing this|I need (?:some )?space|I'?m going out|"
    r"I'?m closing the laptop|drop it|end of discussion|conversation over|I'?m not having this|I'?m walking away|I can'?t with)\b",
    re.IGNORECASE)


def withdraws(parts: "MessageParts") -> bool:
    """The sender shuts the talk down in their own words ("I'm done talking about ...", "leave me alone")."""
    return bool(_WITHDRAW.search(normalise(parts.message)))


def has_denial(parts: "MessageParts") -> bool:
    return any(s.part == "denial" for s in parts.sentences)


def clauses(sentence: str) -> list[str]:
    """A sentence cut where a gentle half meets a harsh one ("thanks for X, but why Y")."""
    pieces = [p.strip(" ,") for p in _CLAUSE_CUT.split(sentence) if p and p.strip(" ,")]
    if len(pieces) > 1 and any(_POSITIVE.search(p) for p in pieces):
        return pieces
    return [sentence]


def _has_content(clean: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z']+", clean.lower()) if w not in {"you", "i", "me", "the", "a", "it", "that", "this", "is", "are", "was", "so", "and", "but", "not", "do", "did", "to", "of"}]
    return len(words) >= 2


def request_clause(text: str) -> str:
    """The sender's ask as a clause after "could you": "please come to Lee's barbecue on Sunday" -> "come to Lee's barbecue on Sunday"."""
    t = normalise(text).rstrip("?.! ")
    t = re.sub(r"(?i)^\W*(?:(?:and|so|but|just|now)\W+)*", "", t)
    m = re.match(r"(?i)^(?:please\s+|can you\s+|could you\s+|would you\s+|will you\s+|i need you to\s+|i want you to\s+|"
                 r"i'd like you to\s+|i would like you to\s+|you need to\s+|you have to\s+|you should\s+|you gotta\s+|"
                 r"you better\s+|maybe you could\s+|it would help if you\s+|how many times do i have to (?:ask|tell) you to\s+|"
                 r"why can'?t you (?:just )?)(.*)$", t)
    if m:
        body = m.group(1)
        body = re.sub(r"(?i)^please\s+", "", body)
        body = re.sub(r"(?i)\s*,?\s*please$", "", body)
        return soften_clause(body)
    m = re.match(r"(?i)^(?:can we|could we|let'?s|how about)\s+(.*)$", t)
    if m:
        return "we " + soften_clause(m.group(1))  # marked "we": the composer asks "could we ..."
    m = re.match(r"(?i)^next time,?\s*(.*)$", t)
    if m:
        return soften_clause(re.sub(r"(?i)^(?:just\s+)?", "", m.group(1))) + " next time"
    return soften_clause(t)


def denial_clause(text: str) -> str:
    """What a defending sender disputes, without counter-blame: "you never told me about X" -> "I don't think you told me about X"."""
    t = normalise(text)
    t = re.sub(r"(?i)\b(?:it'?s|it is) not my fault(?: that)?,?\s*", "", t)
    t = re.sub(r"(?i)\byou never (told|mentioned|said|asked|remind(?:ed)?)\b", lambda m: f"I don't think you {past(m.group(1).lower().removesuffix('ed'))}", t)
    t = re.sub(r"(?i)\byou didn't (tell|mention|say|ask|remind)\b", lambda m: f"I don't think you {past(m.group(1))}", t)
    t = re.sub(r"(?i)\b(?:nobody|no one) told me\b", "I didn't hear", t)
    return soften_clause(t)


_GENERIC_NOUNS = {
    "thing", "things", "time", "times", "way", "stuff", "lot", "point", "problem", "deal", "conversation", "talk",
    "fight", "argument", "minute", "minutes", "second", "day", "one", "idea", "god", "hell", "fault", "life", "bit",
    "kind", "sort", "reason", "attitude", "tone", "nothing", "something", "anything", "everything", "sense", "guy",
    "joke", "idiot", "jerk", "mess", "drama", "crap", "shit", "bs", "nonsense", "question", "answer", "word", "words",
    "mood", "face", "mouth", "head", "mind", "night", "front", "back", "side", "top", "bottom", "rest", "end", "week", "today", "tonight", "tomorrow", "yesterday", "morning",
}


def noun_phrases(parsed: Parsed) -> list[str]:
    """Content noun phrases in order, each with its determiner or owner ("my friends", "Lee's barbecue")."""
    tokens = parsed.tokens
    phrases: list[str] = []
    if not any(t.pos in ("NOUN", "PROPN") and t.dep for t in tokens):  # the regex parser: no phrases
        return [t.text for t in tokens if t.pos == "PROPN"]
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.pos in ("NOUN", "PROPN") and t.lemma not in _GENERIC_NOUNS and t.text.lower() not in _TEXTSPEAK:
            # extend right over compounds / nouns, left over det, poss, amod, compound, 's
            j = i
            while j + 1 < len(tokens) and tokens[j + 1].pos in ("NOUN", "PROPN", "PART") and tokens[j + 1].text not in ("not", "n't", "to"):
                j += 1
            k = i
            while k - 1 >= 0 and (tokens[k - 1].dep in ("det", "poss", "amod", "compound", "nummod", "case") or tokens[k - 1].pos in ("PROPN",)) \
                    and tokens[k - 1].text.lower() not in ("that", "this", "any", "no", "every", "some", "such", "what", "which") \
                    and tokens[k - 1].lemma not in _GENERIC_NOUNS:
                k -= 1
            start, end = tokens[k].start, tokens[j].start + len(tokens[j].text)
            phrase = parsed.text[start:end].strip()
            if k - 1 >= 0 and tokens[k - 1].text.lower() in ("that", "this", "those", "these") and tokens[k].pos != "PROPN" \
                    and not re.match(r"(?i)^(?:the|a|an|my|your|our|his|her|their)\s", phrase):
                phrase = ("the " if tokens[k - 1].text.lower() in ("that", "this") else "the ") + phrase
            if tokens[k].pos == "ADJ" and tokens[k].text.lower() in {"stupid", "damn", "fucking", "whole", "same", "other", "last", "next", "big", "little"}:
                phrase = phrase.split(" ", 1)[1] if " " in phrase else phrase
            if phrase and phrase.lower() not in (p.lower() for p in phrases):
                phrases.append(phrase)
            i = j + 1
            continue
        i += 1
    return phrases
