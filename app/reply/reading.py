"""What a chat turn does, read from the trained intent/speaker heads and a few sure rules.

The model reads the broad intent (share, the question forms, a draft request, a revision) and the
speaker of quoted text; the rules below catch the turns the heads see too rarely to learn
(corrections, off-topic, "never mind", a remark about the coach) and the quoted text itself.
A rule that fires wins over the model; otherwise the model's label stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.reply.intents import find_draft
from app.reply.signals import normalise

QUESTION_KINDS = frozenset({"q_what", "q_why", "q_should", "q_yesno", "q_howlong", "q_how"})
REVISIONS = frozenset({"revise_firmer", "revise_softer", "revise_shorter", "revise_another"})

_QUOTE = re.compile(r"[\"“]([^\"”]{2,})[\"”]|(?<![A-Za-z])'([^']{8,}?)'(?![A-Za-z])")
_PARTNER_SAID = re.compile(
    r"\b(?:he|she|they|(?-i:[A-Z][a-z]+))\s+(?:just\s+|finally\s+|then\s+|literally\s+)?(?:said|says|texted|wrote|replied|responded|sent|"
    r"messaged|told me|answered|goes|went|was like|yelled|shouted|snapped|wrote back|texted back|came back with|DM'?d)\b"
    r"|\b(?:his|her|their)\s+(?:text|message|reply|answer|response|words)\b|\bgot (?:a|this) (?:text|message|reply)\b"
    r"|\bfrom (?:him|her|them)\s*:|\b(?:he|she|they)(?:'s| is| keeps?) (?:saying|telling me)\b",
    re.I,
)
_I_SENT = re.compile(r"\bI (?:already )?(?:sent|texted|wrote|said|told (?:him|her|them))\b", re.I)
_DRAFT_ASK = re.compile(
    r"\b(?:write|draft|(?:word|phrase|fix) (?:it|this|that|something|my|the|a (?:text|message|reply))|rewrite|reword|help me (?:say|word|write|phrase)|what (?:do|should|can) I (?:say|text|write|send)|"
    r"give me (?:a|the|some) (?:text|message|words|script|line)|how (?:do|should|can) I (?:say|word|put|phrase|answer|reply|respond))\b",
    re.I,
)
_MESSAGE_WORD = re.compile(
    r"\b(?:text|message|msg|write|wording|send|reply|respond|note|letter|draft|phrase|script|email|dm)\w*\b|"
    r"\bsay to (?:him|her|them)\b|\b(?:do|should|can|could) I (?:even |actually )?say\b|\btell (?:him|her|them)\b|\bput it\b",
    re.I,
)
_FIRMER = re.compile(r"\b(?:firmer|too soft|more direct|stronger|clearer|less wishy|too weak|more assertive)\b", re.I)
_SOFTER = re.compile(r"\b(?:softer|gentler|too harsh|too blunt|kinder|too strong|warmer|less harsh|too aggressive)\b", re.I)
_SHORTER = re.compile(r"\b(?:shorter|too long|shorten|more brief|briefer|cut it down|one line|trim)\b", re.I)
_ANOTHER = re.compile(r"\b(?:another|one more|different (?:one|version|option)|other (?:option|version)|try again|something else)\b", re.I)
_ROLE_FIX = re.compile(r"\bI(?:'m| am)\s+(?:actually\s+|really\s+)?(?:the\s+)?(pursuer|distancer|one who (?:chases|pursues|withdraws|pulls away|shuts down))\b", re.I)
_FEELING_FIX = re.compile(
    r"\b(?:I(?:'m| am)\s+not|I\s+don'?t\s+feel|I\s+wouldn'?t\s+say(?:\s+I(?:'m| am)|\s+I\s+feel)?|it'?s\s+not)\s+"
    r"(?:really\s+|that\s+|just\s+|so\s+much\s+)?(?:I\s+(?:feel|am)\s+|I'?m\s+|feeling\s+)?([a-z-]+(?: up)?)"
    r"(?:\s+(?:really|exactly|actually|anymore|so much|at all))?"
    r"(?:\s*(?:[,;.—–-]+|\bbut\b))+\s*(?:more\s+like\s+|it'?s\s+|I(?:'m| am)\s+(?:just\s+|more\s+|really\s+|actually\s+)?|I\s+feel\s+|"
    r"I'?m\s+|just\s+|more\s+|actually\s+|really\s+|mostly\s+|like\s+)*([a-z-]+)",
    re.I,
)
_ROLE_FIX_PHRASE = re.compile(
    r"\b(?:I(?:'m| am)|it'?s me)\s+(?:actually\s+|really\s+|more\s+|now\s+)?(?:the\s+)?(?:one\s+(?:(?:who|that)\s+)?)?"
    r"(pursu\w*|chas\w*|distanc\w*|withdraw\w*|pull(?:s|ing)? (?:away|back)|shut(?:s|ting)? down|go(?:es)? quiet|run(?:s)? after|reach(?:es|ing)? out)",
    re.I,
)
_FACT_FIX = re.compile(r"^(?:no|nope|actually|wait)\b[ ,]|\bthat's not (?:what|right|true)|\bI didn't say\b|\byou got (?:it|that) wrong\b|\bnot (?:my|his|her) \w+, (?:my|his|her)\b", re.I)
_NEVER_MIND = re.compile(r"\b(?:never ?mind|nvm|just kidding|i was (?:only )?(?:joking|kidding)|forget (?:i|what i) said|i didn'?t mean it|ignore that)\b", re.I)
_ABOUT_COACH = re.compile(r"\byou (?:don'?t|do not) (?:get|understand)|\byou'?re (?:useless|not helping|a bot|just a)|\bare you (?:a bot|real|human|an ai)\b|\bstop (?:saying|repeating)\b", re.I)
_OFF_TOPIC = re.compile(
    r"\b(?:tax(?:es)?|capital of|recipe|weather|stock|bitcoin|crypto|football|soccer|homework|math|python|code|"
    r"movie|translate|president|population|vacuum|car insurance|mortgage rate|game|pizza|restaurant|recommend|cook|song|"
    r"news|election|programming|calculate|sports?|team|score|laptop|phone plan|flight|hotel|visa|diet|workout|planet|history of|"
    r"resume|cv|cover letter|calories|time zone|spreadsheet|excel)\b",
    re.I,
)
_RELATIONSHIP = re.compile(
    r"\b(?:wait\w*|call\w*|talk\w*|sorry|apolog\w*|break|trust|date|dating|ex|friend\w*|family|kids?|baby|sex|home|"
    r"he|she|him|her|partner|boyfriend|girlfriend|husband|wife|we|us|relationship|fight|argu\w*|text\w*|love|marri\w*|"
    r"therap\w*|couple\w*|feel\w*|scared|anxious|space|pursu\w*|distanc\w*)\b",
    re.I,
)
_NOT_RELATIONSHIP = re.compile(r"\bspace\s+(?:travel|station|ship|shuttle|program|exploration|flight|x)\b|\bouter space\b", re.I)
# a question about the world, not about the user ("who wrote Hamlet?", "how many calories are in a banana?")
_IMPERSONAL = re.compile(
    r"^(?:(?:btw|also|ok(?:ay)?|so|and|hey|quick question)[,.:]?\s+)*(?:who (?:wrote|invented|won|is the|was the|discovered|painted|directed|sang)|"
    r"how many\b|how much (?:does|do|is)\b|what(?:'s| is) the (?:best|capital|population|weather|time|price|tallest|biggest|largest|meaning of)\b|"
    r"what time\b|when (?:did|was|is) the\b|where is\b|can you (?:recommend|suggest|help me with my|fix my|write (?:me )?(?:a|an|my) "
    r"(?:essay|poem|story|code|resume|cv|cover letter))|what(?:'s| is) a good (?!way|time|thing)\w+)",
    re.I,
)


def on_topic(text: str) -> bool:
    """Whether the text is about relationships or the cycle (the coach's ground)."""
    from app.reply.intents import _DYNAMIC_WORDS

    bare = _NOT_RELATIONSHIP.sub(" ", text)
    return bool(_RELATIONSHIP.search(bare) or _DYNAMIC_WORDS.search(bare))


_NEGATION_OR_NOW = re.compile(r"\b(?:not|no|never|actually|now|anymore|rather|more like|instead|wrong|than)\b|n't\b", re.I)
_ROLE_WORDS = re.compile(r"\b(?:pursu\w*|chas\w*|reach\w* out|run after|keep texting|distanc\w*|withdraw\w*|pull\w* (?:away|back)|"
                         r"shut\w* down|go(?:es|ing)? quiet|need(?:ing)? space|avoid\w*)", re.I)
_HOW_LONG = re.compile(r"\bhow long\b|\bhow much time\b|\bwhen should I\b", re.I)
_SHOULD = re.compile(r"\b(?:should (?:I|we)|do you think (?:I|we) should|is it (?:ok|okay|wise|better) (?:to|if)|would it be (?:better|wrong))\b", re.I)
_YESNO = re.compile(r"^(?:am I|is (?:he|she|it|this|that)|are (?:we|they)|do you think|does (?:he|she|this)|is there|can (?:I|we))\b", re.I)
_WHAT = re.compile(r"^(?:what(?:'s| is| are| does)|what do you mean)\b", re.I)
_WHY = re.compile(r"^why\b", re.I)
_HOW = re.compile(r"^how (?:do|can|should|could) (?:I|we)\b|^(?:any )?(?:tips|ideas)\b|^what can I do\b", re.I)


@dataclass(frozen=True)
class TurnReading:
    kind: str  # share | q_* | draft_request | revise_* | correct_role | correct_feeling | correct_fact |
    #            partner_words | sent_text | off_topic | about_coach | never_mind
    quoted: str | None = None  # the quoted text (the partner's words, a sent text, the user's draft)
    question: str | None = None
    role: str | None = None  # a role correction's role
    feeling: str | None = None  # a feeling correction's new feeling word
    not_feeling: str | None = None

    @property
    def is_question(self) -> bool:
        return self.kind in QUESTION_KINDS

    @property
    def is_revision(self) -> bool:
        return self.kind in REVISIONS


FEELING_NOUNS = {
    "anger": "angry", "fear": "scared", "sadness": "sad", "shame": "ashamed", "guilt": "guilty", "jealousy": "jealous",
    "loneliness": "lonely", "panic": "panicking", "hurt": "hurt", "anxiety": "anxious", "terror": "terrified",
    "frustration": "frustrated", "exhaustion": "exhausted", "grief": "sad", "worry": "worried", "dread": "scared",
}


def is_feeling(word: str) -> bool:
    from app.reply.facts import feelings_in

    word = feeling_word(word)
    return word in FEELING_NOUNS.values() or bool(feelings_in(f"I feel {word}"))


def feeling_word(word: str) -> str:
    return FEELING_NOUNS.get(word.lower(), word.lower())


def quoted_text(message: str) -> str | None:
    found = [(m.group(1) or m.group(2) or "").strip() for m in _QUOTE.finditer(message)]
    found = [q for q in found if q]
    if found:
        return max(found, key=len)
    match = re.search(r"(?:said|says|texted|wrote|replied|sent|reply|text|message|answer|response)\s*:\s*(.+)$", message, re.I | re.S)
    if not match or len(match.group(1).split()) < 2:
        return None
    return re.sub(r"^[\s\"'“‘]+|[\s\"'”’]+$", "", match.group(1)).strip() or None


def question_sentence(message: str) -> str | None:
    parts = [p.strip() for p in re.findall(r"[^.!?\n]+\?+", message)]
    return parts[-1] if parts else None


_BARE_QUESTION = re.compile(r"^(?:should|can|could|would|is|am|are|do|does|did|how|what|why|when|where|who|which|will)\b", re.I)


def bare_question(message: str) -> str | None:
    """A question typed without its question mark ("should I call him")."""
    first = re.split(r"(?<=[.!])\s+|\n", message.strip())
    for sentence in first:
        if _BARE_QUESTION.match(sentence.strip()) and len(sentence.split()) >= 3:
            return sentence.strip()
    return None


def question_form(question: str) -> str:
    text = re.sub(r"^(?:so|and|but|ok(?:ay)?|honestly|well|also|seriously|be honest)[,:]?\s+", "", question.strip(), flags=re.I)
    if _HOW_LONG.search(text):
        return "q_howlong"
    if _SHOULD.search(text):
        return "q_should"
    if _WHY.search(text):
        return "q_why"
    if _HOW.search(text):
        return "q_how"
    if _WHAT.search(text):
        return "q_what"
    if _YESNO.search(text):
        return "q_yesno"
    return "q_how" if re.match(r"^(?:how|what)\b", text, re.I) else "q_yesno"


def read_turn(message: str, *, model_intent: str | None = None, model_speaker: str | None = None,
              has_draft: bool = False) -> TurnReading:
    """The turn's reading; ``has_draft`` when the coach offered a text earlier in the session."""
    text = normalise(message).strip()
    quoted = quoted_text(text)
    if _NEVER_MIND.search(text):
        return TurnReading("never_mind")
    role = _ROLE_FIX.search(text) or _ROLE_FIX_PHRASE.search(text)
    if role and re.search(r"\b(?:now|actually|not|really|I think|turns out|it's me|wait|no,|these days|lately|anymore|switched|flipped)\b", text, re.I):
        word = role.group(1).lower()
        chosen = "pursuer" if any(w in word for w in ("pursu", "chas", "run", "reach")) else "distancer"
        return TurnReading("correct_role", role=chosen)
    feeling = _FEELING_FIX.search(text)
    if feeling and not (is_feeling(feeling.group(1)) or is_feeling(feeling.group(2))):
        feeling = None  # "I'm not going, I'm staying" corrects no feeling
    if feeling:
        return TurnReading("correct_feeling", feeling=feeling_word(feeling.group(2)), not_feeling=feeling_word(feeling.group(1)))
    question = question_sentence(text) or bare_question(text)
    if question and not on_topic(text) and (_OFF_TOPIC.search(question) or _IMPERSONAL.search(question)):
        return TurnReading("off_topic", question=question)
    if _ABOUT_COACH.search(text) and not question:
        return TurnReading("about_coach")
    own = find_draft(text)
    if own and not _PARTNER_SAID.search(_QUOTE.sub(" ", text)) and model_speaker != "partner_words" and not _I_SENT.search(text):
        return TurnReading("draft_request", quoted=own)
    if has_draft:
        for kind, pattern in (("revise_firmer", _FIRMER), ("revise_softer", _SOFTER), ("revise_shorter", _SHORTER), ("revise_another", _ANOTHER)):
            if pattern.search(text) and len(text.split()) <= 25:
                return TurnReading(kind)
    partner_said = bool(_PARTNER_SAID.search(_QUOTE.sub(" ", text))) and not _I_SENT.search(_QUOTE.sub(" ", text))
    if quoted and partner_said and not _DRAFT_ASK.search(_QUOTE.sub(" ", text)):
        return TurnReading("partner_words", quoted=quoted)
    if quoted and (model_speaker == "sent_text" or _I_SENT.search(_QUOTE.sub(" ", text))) and not _DRAFT_ASK.search(text):
        return TurnReading("sent_text", quoted=quoted)
    if quoted and _PARTNER_SAID.search(_QUOTE.sub(" ", text)) and not _DRAFT_ASK.search(_QUOTE.sub(" ", text)):
        return TurnReading("partner_words", quoted=quoted)
    if quoted and model_speaker == "partner_words":
        return TurnReading("partner_words", quoted=quoted)
    model_draft = model_intent == "draft_request" and bool(_MESSAGE_WORD.search(text))  # "I want to show her I care" is not one
    if _DRAFT_ASK.search(text) or model_draft or (quoted and model_speaker == "own_draft"):
        if not (question and re.match(r"^(?:how long|why|what is|what's)", question, re.I)):
            return TurnReading("draft_request", quoted=quoted)
    if model_intent in REVISIONS and has_draft:
        return TurnReading(model_intent)
    # the model's corrections and off-topic reads stand when the text carries what they need (the rules above missed them)
    if model_intent == "correct_role" and _NEGATION_OR_NOW.search(text):
        role = _ROLE_WORDS.search(text)
        if role:
            word = role.group(0).lower()
            return TurnReading("correct_role", role="pursuer" if re.match(r"pursu|chas|reach|run after|keep texting", word) else "distancer")
    if model_intent == "correct_feeling" and _NEGATION_OR_NOW.search(text):
        words = [feeling_word(w) for w in re.findall(r"[a-z-]+(?: up)?", text.lower()) if is_feeling(w)]
        if words and re.search(r"\bthan\b", text, re.I):  # "more fear than anger": the first one is the feeling
            return TurnReading("correct_feeling", feeling=words[0], not_feeling=words[-1] if len(words) > 1 else None)
        if words:
            return TurnReading("correct_feeling", feeling=words[-1], not_feeling=words[0] if len(words) > 1 else None)
    if model_intent == "off_topic" and not on_topic(text):
        return TurnReading("off_topic", question=question or text)
    if _FACT_FIX.search(text):
        return TurnReading("correct_fact")
    if question and ("!" in question or re.search(r"\?\s*!|!\s*\?", text) or (sum(c.isupper() for c in question) > 0.6 * sum(c.isalpha() for c in question))):
        return TurnReading("share")  # "WHY does he always do this?!" is venting, not a question to look up
    if question:
        return TurnReading(question_form(question), question=question)
    if model_intent in QUESTION_KINDS and re.match(r"^(?:should|is|am|do|does|how|what|why|can)\b", text, re.I):
        return TurnReading(model_intent, question=text)
    return TurnReading("share", quoted=quoted)
