"""The replies for turns that are not plain sharing: an answer, a draft or revision, a reply to the
partner's words, a text already sent, a correction, a turn held in safety mode, an unclear turn.

Each returns a ``Response``: paragraphs of text, the text offered to send (if any) and what the
reply does, in order. Wording lives in ``prompts/chat_*.md``; the facts come from the state.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

from app.reply import answering
from app.reply import drafting
from app.reply.reading import TurnReading
from app.reply.state import ConversationState
from app.reply.voice import who


@dataclass
class Response:
    paragraphs: list[str] = field(default_factory=list)
    offered: str | None = None
    composition: list[str] = field(default_factory=list)
    sources: list = field(default_factory=list)  # knowledge-base passages cited (answers)
    subject: str | None = None  # a draft's subject, kept for its revisions
    cited: str | None = None  # the article an answer linked

    @property
    def text(self) -> str:
        return "\n\n".join(p for p in self.paragraphs if p.strip())


def _fresh(options, seed: str, state: ConversationState, salt: str) -> str:
    """One of ``options``, picked by the seed, skipping lines already said in this conversation."""
    from app.reply.voice import sentence_key

    said = set(state.said)
    start = zlib.crc32(f"{seed}:{state.turn}:{salt}".encode()) % len(options)
    ordered = [options[(start + i) % len(options)] for i in range(len(options))]
    return next((o for o in ordered if all(sentence_key(p) not in said for p in _SENTENCE.findall(o) if p.strip())), ordered[0])


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*[”\"]?")  # as the finishing pass splits sentences (voice.without_repeats)


DRAFT_INTROS = ("Here's a version you could send:", "Something like this:", "You could send something like:",
                "Here's a text that says it gently:", "Try this, and change anything that isn't you:", "One way to put it:")
DRAFT_NOTES = ("Change any word that doesn't sound like you.", "Say it in your own voice if any part feels off.",
               "Make it yours: swap any phrase you wouldn't say.", "Keep the shape, use your own words.", "")


def _variant(prompts, name: str, seed: str, turn: int, values: dict[str, str]) -> str:
    variants = prompts.variants(name)
    number = zlib.crc32(f"{seed}:{turn}:{name}".encode()) % len(variants)
    return prompts.fill(variants[number], **values).strip()


def answer_turn(reading: TurnReading, state: ConversationState, answerer, prompts) -> Response | None:
    short = answering.answer(reading.question or "", reading.kind, state, answerer, said=state.said)
    if short is None:
        return None
    text = short.text
    if short.link and short.link not in state.cited:
        text += f"\n\nRead more: {short.link}"
    return Response([text], composition=["answer"], cited=short.link, sources=list(short.passages))


REDIRECT_AGAIN = (
    "That one's outside my lane as well: I don't have anything in my knowledge base that covers this, so I won't guess.",
    "Honestly, I don't have anything in my knowledge base that covers this either, so I won't guess.",
    "Another one I can't help with: I don't have anything in my knowledge base that covers this, and I'd rather not guess.",
    "I'd only be guessing there, because I don't have anything in my knowledge base that covers this.",
    "Out of my depth on that one: I don't have anything in my knowledge base that covers this.",
    "I have to pass on that too; I don't have anything in my knowledge base that covers this.",
    "Not something I can answer well, since I don't have anything in my knowledge base that covers this.",
)
BRING_BACK = (
    "When you're ready, I'm here for what's going on with {who}.",
    "Shall we get back to you and {who}?",
    "What's on your mind about {who} right now?",
    "I'm glad to pick up where we were with {who} whenever you like.",
)


def off_topic_turn(prompts, state: ConversationState | None = None, seed: str = "") -> Response:
    """The same honest redirect as ``/v1/ask`` the first time; after that a short one; then back to the couple."""
    from app.reply.voice import sentence_key

    full = answering.not_covered(prompts)
    if state is None:
        return Response([full], composition=["redirect"])
    first = re.split(r"(?<=[.!?])\s+", full.strip())[0]
    paragraphs = [full] if sentence_key(first) not in set(state.said) else [_fresh(REDIRECT_AGAIN, seed, state, "redirect")]
    if state.turn > 1:
        paragraphs.append(_fresh(tuple(line.format(who=who(state)) for line in BRING_BACK), seed, state, "bring_back"))
    return Response(paragraphs, composition=["redirect", "bring_back"] if len(paragraphs) > 1 else ["redirect"])


def _body(text: str, state: ConversationState) -> str:
    """A text without its greeting, for telling whether two offered texts are really the same."""
    words = re.findall(r"[a-z']+", text.lower())
    name = (state.partner_name or "").lower()
    return " ".join(w for w in words if w not in ("hey", name))


_ANSWER_THEM = re.compile(r"\b(?:answer|reply|respond|say back|write back|text back)\b", re.I)


def draft_turn(message: str, reading: TurnReading, state: ConversationState, rewriter, seed: str) -> Response:
    if state.partner_words and _ANSWER_THEM.search(message) and not reading.quoted:
        # "how do I answer that?": a reply to the partner's last words, not a new message
        return partner_words_turn(TurnReading("partner_words", quoted=state.partner_words), state, rewriter, seed)
    facts = drafting.facts_for(message, state)
    subject = drafting.subject_of(message, state)
    style = zlib.crc32(f"{seed}:{state.turn}".encode())
    if reading.quoted and len(reading.quoted.split()) >= 3:
        base = drafting.to_second_person(reading.quoted, state.partner_name) if not reading.quoted.lower().startswith(("you", "i ")) else reading.quoted
        text = drafting.through_rewriter(base, rewriter, state.role, drafting.key_words(base, None))
        if text.strip() == base.strip():
            text = drafting.revise(base, "revise_softer", facts, style)
    else:
        built = drafting.compose_draft(facts, style)
        text = drafting.through_rewriter(built, rewriter, state.role, drafting.key_words(built, facts.name))
    offered = {_body(t, state) for t in state.offered_texts}
    step = 1
    while _body(text, state) in offered and step <= 3:  # never the same text twice in a conversation
        text = drafting.compose_draft(facts, style + step)
        step += 1
    intro = _fresh(DRAFT_INTROS, seed, state, "draft_intro")
    note = _fresh(DRAFT_NOTES, seed, state, "draft_note")
    return Response([intro, f"“{text}”", note], offered=text, composition=["draft_intro", "draft", "draft_note"], subject=subject)


REVISION_INTROS = {
    "revise_firmer": ("Here it is clearer and more direct, still kind:", "Firmer, without the sting:",
                      "More direct, and still warm:", "This one says plainly what you need:"),
    "revise_softer": ("A gentler version:", "Softer:", "Here's a warmer way to say it:", "Gentler, same point:"),
    "revise_shorter": ("Shorter:", "Cut down:", "A shorter one:", "Trimmed to the core:"),
    "revise_another": ("Another option, worded differently:", "Here's a different take:", "Another way to say it:",
                       "One more, in other words:"),
}


def revision_turn(message: str, reading: TurnReading, state: ConversationState, rewriter, seed: str) -> Response:
    previous = state.offered_texts[-1] if state.offered_texts else None
    if previous is None:
        return draft_turn(message, reading, state, rewriter, seed)
    facts = drafting.facts_for(message, state)
    style = zlib.crc32(f"{seed}:{state.turn}".encode())
    text = drafting.revise(previous, reading.kind, facts, style)
    if reading.kind != "revise_shorter":
        text = drafting.through_rewriter(text, rewriter, state.role, drafting.key_words(text, facts.name))
    offered = {" ".join(t.split()) for t in state.offered_texts}
    step = 1
    while " ".join(text.split()) in offered and step <= 3:
        text = drafting.compose_draft(facts, style + step)
        step += 1
    intro = _fresh(REVISION_INTROS[reading.kind], seed, state, reading.kind)
    return Response([intro, f"“{text}”"], offered=text, composition=["revision_intro", "draft"])


def partner_words_turn(reading: TurnReading, state: ConversationState, rewriter, seed: str) -> Response:
    facts = drafting.facts_for("", state)
    style = zlib.crc32(f"{seed}:{state.turn}".encode())
    name = who(state)
    if state.safety_mode or state.fears_partner:
        return Response(
            [f"You don't owe {name} an answer right now, and you don't have to smooth this over. If you do reply, keep it "
             "short and about your own plans, and tell someone you trust what was said."],
            composition=["safety_reply_note"],
        )
    text = drafting.partner_reply(reading.quoted or "", facts, style)
    text = drafting.through_rewriter(text, rewriter, state.role, drafting.key_words(text, facts.name))
    offered = {_body(t, state) for t in state.offered_texts}
    step = 1
    while _body(text, state) in offered and step <= 3:
        text = drafting.partner_reply(reading.quoted or "", facts, style + step, other=step)
        step += 1
    subject = state.partner_name or {"he": "he", "she": "she"}.get(state.partner or "", "your partner")
    intro = _fresh((f"That's {name}'s message, so let's answer it rather than grade it. You could reply:",
                    f"Here's a reply you could send to {name}:",
                    f"Those are {name}'s words, not yours, so here's a way to answer them:",
                    f"You could answer {name} with something like:",
                    f"Rather than react to what {subject} wrote, you could reply:"), seed, state, "reply_intro")
    return Response([intro, f"“{text}”"], offered=text, composition=["reply_intro", "reply"])


def sent_text_turn(reading: TurnReading, state: ConversationState) -> Response:
    name = who(state)
    if state.role == "distancer":
        tip = f"Now the useful part is keeping your word: come back to {name} when you said you would."
    else:
        tip = f"Now the hard part is giving {name} room to answer; one message is enough for now, and a second one tends to undo the first."
    return Response([f"It's already sent, so there's nothing to fix in it. {tip}"], composition=["sent_ack", "step"])


def correction_turn(reading: TurnReading, state: ConversationState) -> Response:
    if reading.kind == "correct_role":
        line = (f"Thanks for setting me straight: you're the {reading.role} here, so I'll look at this from the side of "
                + ("the one who reaches out." if reading.role == "pursuer" else "the one who needs to step back."))
    elif reading.kind == "correct_feeling":
        line = f"I got that wrong: you're {reading.feeling}, not {reading.not_feeling}. That changes what would help."
    else:
        line = "Thanks for correcting me; I'll go with what you just told me."
    return Response([line], composition=["correction"])


def unclear_turn(state: ConversationState, prompts, seed: str, values: dict[str, str]) -> Response:
    return Response([_variant(prompts, "chat_unclear", seed, state.turn, values)], composition=["clarify"])


RESOURCE_INTROS = ("If you need them:", "These lines are there any time:", "Keep these close:", "Help is a call or text away:",
                   "You can reach them day or night:", "Still here for you:")


def resources_line(state: ConversationState) -> str:
    lines = state_resources(state)
    if not lines:
        return ""
    turn = state.turn
    ordered = lines[turn % len(lines):] + lines[: turn % len(lines)]
    return RESOURCE_INTROS[turn % len(RESOURCE_INTROS)] + " " + "; ".join(ordered) + "."


def state_resources(state: ConversationState) -> list[str]:
    return list(getattr(state, "safety_resources", []) or [])


COUPLES_FRAMING = re.compile(r"\bboth of you\b|\bthe dance\b|\bneither of you\b|\bthe cycle\b|\bthe loop\b|\bcouples? therap\w*|\bfrom (?:his|her|their) side\b", re.I)
