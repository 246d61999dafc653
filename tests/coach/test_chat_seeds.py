"""Issue 14: the chat's wording is picked by a hash of the session id, so every rule about the wording
must hold whichever variants a seed picks. These conversations are played under many seeds."""

from __future__ import annotations

import re

import pytest

from app.reply.invariants import REASK, outside_quotes
from tests.api.conftest import build_chat_coach
from tests.api.test_sessions import DISTANCER_WANTS_OUT, PURSUER_ESCALATING, first_sentence
from tests.coach.test_chat_techniques import converse

SEEDS = [f"sweep-{n}" for n in range(10)]
NAMED = ["My wife Maya walked out after we argued about money last night.", "I don't know what to do with myself.",
         "I keep checking my phone.", "I miss her and I feel so stupid for what I said.", "She still isn't answering."]
PRONOUN_ONLY = ["My girlfriend went quiet after our fight this morning.", "I keep wanting to text her again.",
                "I feel so anxious about it.", "It's like this every time we argue."]


@pytest.fixture(scope="module")
def coach(services):
    return build_chat_coach(services)


def play(coach, seed, texts):
    return converse(coach, seed, texts)


def coached(turns):
    return [t for t in turns if t.intent == "share" and "opener" in t.composition]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_keeps_the_wording_rules(coach, seed):
    # the partner's pronoun in every coached reply when no name is known
    for texts, pronoun in ((PURSUER_ESCALATING, r"\b(?:he|him|his)\b"), (DISTANCER_WANTS_OUT, r"\b(?:she|her)\b"),
                           (PRONOUN_ONLY, r"\b(?:she|her)\b")):
        turns = play(coach, seed, texts)
        for turn in coached(turns):
            assert re.search(pronoun, outside_quotes(turn.reply), re.I), turn.reply
        openers = [first_sentence(t.reply) for t in turns]
        assert all(a != b for a, b in zip(openers, openers[1:])), openers

    # the partner's name in every coached reply once it is known, and the story never asked for again
    turns = play(coach, seed, NAMED)
    for turn in coached(turns):
        assert "Maya" in outside_quotes(turn.reply), turn.reply
    for turn in turns:
        questions = re.findall(r"[^.!?\n]*\?", outside_quotes(turn.reply))
        assert not [q for q in questions if REASK.search(q)], turn.reply


class _FirstLineSafe:
    """The real safety screen, except for one line its model alone misreads (see the xfail on
    tests/api/test_sessions.py::test_distancer_who_wants_out_of_the_room_gets_a_break_script)."""

    def __init__(self, real, line):
        self.real, self.line = real, line

    def screen(self, text, **kwargs):
        return self.real.screen("We talked." if text == self.line else text, **kwargs)


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_a_distancer_who_wants_out_gets_the_break_for_every_seed(services, seed):
    from app.rewrite.checks import break_problems

    coach = build_chat_coach(services, safety=_FirstLineSafe(services.safety, DISTANCER_WANTS_OUT[0]))
    turns = play(coach, seed, DISTANCER_WANTS_OUT)
    assert [t.state.role for t in turns] == ["distancer", "distancer"]
    assert turns[-1].state.flooded and turns[-1].technique == "time_out"
    for turn in turns:
        assert "partner_view" in turn.composition and re.search(r"\b(?:she|her)\b", turn.reply, re.I), turn.reply
        if turn.technique in ("time_out", "time_out_for_space"):
            assert turn.script and break_problems(turn.script) == [] and turn.script in turn.reply
