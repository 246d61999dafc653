"""Decides what a composed reply says, as a list of template parts.

A coaching turn: reflect the feeling, name the move in the cycle without blame, offer the
partner's likely view, and suggest one next step (the chosen technique). A draft turn: the
softer version of the user's message and why it helps. A question turn: the answer from the
knowledge base. Template names live here; their wording lives in ``prompts/chat_*.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.reply.composer import Part
from app.reply.state import ConversationState
from app.reply.techniques import Technique

CHECK_IN, FEELING, STEP, BLOCK, AFTER = range(5)
MOVE_EVERY = 3  # name the move at most every third turn (unless things are heating up)
BREAK_TECHNIQUES = frozenset({"time_out", "time_out_for_space"})


@dataclass(frozen=True)
class TurnFacts:
    """Everything the planner needs about this turn."""

    state: ConversationState  # after this message
    marks: frozenset[str]
    intent: str  # share | draft | question | meta
    technique: Technique | None
    after_safety_stop: bool = False  # the previous turn was stopped by the safety screen
    script: str | None = None  # a break script for this moment
    rewrite: str | None = None  # draft turns: the softer message
    rewrite_unchanged: bool = False
    rewrite_is_break: bool = False
    answer: str | None = None  # question turns: the knowledge base's answer


def reflection_template(facts: TurnFacts) -> str:
    state, marks = facts.state, facts.marks
    if state.flooded:
        return "chat_reflect_flooded"
    if "calming" in marks:
        return "chat_reflect_calmer"
    if "after_fight" in marks:
        return "chat_reflect_after"
    if state.role == "distancer" and ("partner_pursues" in marks or "space" in state.wants[:1]):
        return "chat_reflect_crowded"
    if "intense" in marks or "angry" in marks:
        return "chat_reflect_angry"
    if "reassurance" in marks:
        return "chat_reflect_worried"
    if "lonely" in marks or "partner_withdraws" in marks:
        return "chat_reflect_alone"
    if "hurt" in marks:
        return "chat_reflect_hurt"
    if "life_change" in marks:
        return "chat_reflect_change"
    return "chat_reflect_general"


def move_template(facts: TurnFacts) -> str | None:
    state, marks = facts.state, facts.marks
    if state.flooded or "calming" in marks:
        return None  # keep flooded and settling turns short
    last = state.last_used.get("move")
    if last is not None and state.turn - last < MOVE_EVERY and state.escalation_trend != "rising":
        return None
    if state.role == "pursuer":
        return "chat_move_pursue"
    if state.role == "distancer":
        return "chat_move_withdraw"
    if marks & {"partner_withdraws", "partner_pursues", "demand_talk", "reaching_out"}:
        return "chat_move_both"
    return None


def partner_view_template(facts: TurnFacts) -> str | None:
    state, marks = facts.state, facts.marks
    if "calming" in marks and not state.flooded:
        return None
    if state.role == "pursuer":
        return "chat_partner_view_of_distancer"
    if state.role == "distancer":
        return "chat_partner_view_of_pursuer"
    if marks & {"partner_withdraws", "partner_pursues", "hurt", "angry", "intense", "lonely"}:
        return "chat_partner_view_unknown"
    return None


def plan(facts: TurnFacts) -> list[Part]:
    if facts.intent == "draft":
        return _draft_plan(facts)
    if facts.intent == "question" and facts.answer:
        return _question_plan(facts)
    return _coaching_plan(facts)


def _check_in(facts: TurnFacts) -> list[Part]:
    return [Part("chat_after_safety", CHECK_IN, "check_in")] if facts.after_safety_stop else []


def _step(facts: TurnFacts) -> list[Part]:
    if facts.technique is None:
        return [Part("chat_ask_more", STEP, "question_back")]
    parts = [Part(facts.technique.template, STEP, "step")]
    if facts.technique.id in BREAK_TECHNIQUES and facts.script:
        parts.append(Part("chat_break_script_intro", BLOCK, "script_intro"))
        parts.append(Part(f"“{facts.script}”", BLOCK, "script", verbatim=True))
    return parts


def _coaching_plan(facts: TurnFacts) -> list[Part]:
    parts = _check_in(facts)
    if facts.intent == "meta":
        parts.append(Part("chat_meta_redirect", FEELING, "redirect"))
        return parts + _step(facts)
    parts.append(Part(reflection_template(facts), FEELING, "reflect"))
    move = move_template(facts)
    if move:
        parts.append(Part(move, FEELING, "move"))
    view = partner_view_template(facts)
    if view:
        parts.append(Part(view, FEELING, "partner_view"))
    return parts + _step(facts)


def _draft_plan(facts: TurnFacts) -> list[Part]:
    parts = _check_in(facts)
    if facts.rewrite_unchanged or not facts.rewrite:
        parts.append(Part("chat_draft_unchanged", FEELING, "draft_verdict"))
        if facts.technique is not None:
            parts.append(Part(facts.technique.template, STEP, "step"))
        return parts
    intro = "chat_draft_intro_break" if facts.rewrite_is_break else "chat_draft_intro"
    parts.append(Part(intro, FEELING, "draft_intro"))
    parts.append(Part(f"“{facts.rewrite}”", BLOCK, "rewrite", verbatim=True))
    if facts.technique is not None:
        parts.append(Part(facts.technique.template, AFTER, "why_it_helps"))
    return parts


def _question_plan(facts: TurnFacts) -> list[Part]:
    parts = _check_in(facts)
    parts.append(Part("chat_question_intro", FEELING, "question_intro"))
    parts.append(Part(facts.answer or "", BLOCK, "answer", verbatim=True))
    if facts.technique is not None and facts.state.flooded:
        parts.append(Part(facts.technique.template, AFTER, "step"))
    return parts
