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


def off_topic_turn(prompts) -> Response:
    return Response([answering.not_covered(prompts)], composition=["redirect"])


def draft_turn(message: str, reading: TurnReading, state: ConversationState, rewriter, seed: str) -> Response:
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
    intro = "Here's a version you could send:" if style % 2 else "Something like this:"
    return Response([intro, f"“{text}”", "Change any word that doesn't sound like you."
                     if style % 3 == 0 else "Say it in your own voice if any part feels off."],
                    offered=text, composition=["draft_intro", "draft", "draft_note"], subject=subject)


REVISION_INTROS = {
    "revise_firmer": "Here it is clearer and more direct, still kind:",
    "revise_softer": "A gentler version:",
    "revise_shorter": "Shorter:",
    "revise_another": "Another option, worded differently:",
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
    return Response([REVISION_INTROS[reading.kind], f"“{text}”"], offered=text, composition=["revision_intro", "draft"])


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
    intro = (f"That's {name}'s message, so let's answer it rather than grade it. You could reply:"
             if style % 2 else f"Here's a reply you could send to {name}:")
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
