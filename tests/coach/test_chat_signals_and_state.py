"""The running picture of a conversation: cues in a message, and how the state follows them."""

from __future__ import annotations

import json

import pytest

from app.detect import analyzer
from app.reply.signals import CueBook, caps_share, partner_pronoun
from app.reply.state import MAX_EVIDENCE, ConversationState, note_safety, note_technique, observe
from tests.locale_files import LOCALE


@pytest.fixture(scope="module")
def cues():
    return CueBook.load(LOCALE.cues)


def run(cues, texts, state=None):
    state = state or ConversationState()
    states = []
    for text in texts:
        state = observe(state, analyzer.analyze(text), cues.read(text))
        states.append(state)
    return states


@pytest.mark.parametrize(
    "text, role",
    [
        ("He never texts back and I keep texting him.", "pursuer"),
        ("I've sent her like ten messages and she still hasn't replied.", "pursuer"),
        ("I follow him around the house trying to get him to talk.", "pursuer"),
        ("I just need to get out of the room.", "distancer"),
        ("I shut down when she starts raising her voice. I need some space.", "distancer"),
        ("He won't stop asking me what's wrong and he keeps following me.", "distancer"),
    ],
)
def test_role_votes_follow_what_the_user_describes(cues, text, role):
    votes = cues.read(text).role_votes()
    other = "distancer" if role == "pursuer" else "pursuer"
    assert votes[role] > votes[other], votes


def test_flooding_cues(cues):
    assert "flooded" in cues.read("My heart is racing and I can't think straight").marks
    assert "flooded" in cues.read("I need to get out of here").marks
    assert "flooded" not in cues.read("We talked about dinner plans.").marks
    assert cues.read("I'M SO DONE WITH ALL OF THIS").shouting
    assert caps_share("ok") == 0.0  # too short to say


def test_partner_pronoun(cues):
    assert partner_pronoun("My husband ignored me again") == "he"
    assert partner_pronoun("she keeps asking and her voice gets louder") == "she"
    assert partner_pronoun("My partner and I argued") is None


def test_a_pursuer_is_recognised_with_evidence_and_escalation_rises(cues):
    states = run(
        cues,
        [
            "He hasn't replied all day and I keep texting him.",
            "Why won't he answer me?! He always does this!",
            "I'M SO ANGRY I CAN'T THINK. HE NEVER CARES!!!",
        ],
    )
    assert [s.role for s in states] == ["pursuer"] * 3
    assert any('"I keep texting"' in line for line in states[-1].role_evidence)
    assert states[0].escalation < states[1].escalation < states[2].escalation
    assert states[-1].escalation_trend == "rising" and states[-1].flooded
    assert "connection" in states[-1].wants


def test_calming_down_lowers_escalation_and_ends_flooding(cues):
    states = run(cues, ["MY HEART IS POUNDING, I CAN'T BREATHE!!!", "ok. I'm calmer now, thank you."])
    assert states[0].flooded and not states[1].flooded
    assert states[1].escalation < states[0].escalation and states[1].escalation_trend == "falling"


def test_a_distancer_wants_space(cues):
    states = run(cues, ["She keeps pushing me to talk.", "I just need to get out of the room."])
    assert states[-1].role == "distancer" and states[-1].wants[0] == "space" and states[-1].flooded


def test_mixed_signals_stay_unknown(cues):
    (state,) = run(cues, ["We argued about money again."])
    assert state.role == "unknown"


def test_state_is_bounded_and_survives_json(cues):
    texts = ["He never answers and I keep calling him."] * 30
    state = run(cues, texts)[-1]
    for n in range(40):
        state = note_technique(state, f"t{n % 7}")
    state = note_safety(state, "crisis", "self_harm")
    assert len(state.role_evidence) <= MAX_EVIDENCE
    assert len(state.escalation_history) <= 12 and len(state.techniques) <= 24
    restored = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert restored.turn == 31 and restored.last_safety_turn == 31
    assert ConversationState.from_dict({"turn": 2, "unknown_key": 1}).turn == 2
