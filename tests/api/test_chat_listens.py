"""Issue 14 through the API: each failure in its "Why" list, played as a short conversation."""

from __future__ import annotations

import pytest

import re

from tests.api.conftest import CHAT_SEEDS
from tests.api.test_sessions import converse

REDIRECT = "I don't have anything in my knowledge base that covers this"


def test_questions_get_a_direct_answer_without_markers(chat_client):
    _, _, turns = converse(chat_client, ["My boyfriend Dan went quiet after our fight.", "should I call him or go over?",
                                         "how long should I wait?"])
    for turn in turns[1:]:
        assert turn.intent == "question", turn.reply.text
        assert not re.search(r"\[\d+\]", turn.reply.text)
    assert turns[1].reply.text.lower().startswith(("i'd", "yes", "no", "not"))


def test_tax_and_capital_of_france_get_the_honest_redirect(chat_client):
    _, _, turns = converse(chat_client, ["how do I file my taxes?", "what's the capital of France?"])
    assert all(REDIRECT in t.reply.text and t.intent == "off_topic" for t in turns)


def test_should_we_do_couples_therapy_is_answered(chat_client):
    _, _, turns = converse(chat_client, ["We keep having the same fight.", "should we do couples therapy?"])
    assert turns[1].reply.text.startswith("Yes")


def test_drafts_on_request_and_revises_firmer_shorter_another(chat_client):
    _, _, turns = converse(chat_client, ["My boyfriend Dan hasn't answered since last night and I'm scared.",
                                         "just write the text please", "make it firmer", "shorter", "give me another one"])
    texts = [t.offered for t in turns[1:]]
    assert all(texts) and len(set(texts)) == 4, texts
    assert all("Dan" in t for t in texts[:2])
    assert len(texts[2]) < len(texts[1])


def test_quoted_partner_words_get_a_reply_never_approval(chat_client):
    _, _, turns = converse(chat_client, ["He just texted \"I need space, stop texting me\""])
    assert turns[0].intent == "partner_words" and turns[0].offered
    assert "as it is" not in turns[0].reply.text


def test_feeling_and_role_corrections_are_followed(chat_client):
    _, _, turns = converse(chat_client, ["I'm fed up with him.", "I'm not fed up, I'm scared", "Actually I'm the pursuer now"])
    assert turns[1].state.feelings[0] == "scared"
    assert "angry" not in turns[1].reply.text.lower()
    assert turns[2].state.role == "pursuer"


@pytest.mark.parametrize("chat_seed", CHAT_SEEDS, indirect=True)
def test_partner_name_is_used_and_nothing_is_re_asked(chat_seed, chat_client):
    _, _, turns = converse(chat_client, ["My wife Maya walked out after we argued about money last night.",
                                         "I don't know what to do with myself.", "I keep checking my phone."])
    assert any("Maya" in t.reply.text for t in turns[1:])
    assert not any("what happened" in t.reply.text.lower() for t in turns)


def test_no_breathing_again_and_no_break_script_when_the_partner_has_left(chat_client):
    _, _, turns = converse(chat_client, ["I did the breathing already. He left the house and isn't answering my calls.",
                                         "I'm so anxious I keep texting him."])
    assert turns[-1].state.tried == ["breathing"]
    for turn in turns:
        assert turn.technique not in ("pause_and_breathe", "time_out", "time_out_for_space")
        assert "twenty minutes" not in turn.reply.text.lower()


def test_no_silly_name_after_an_affair(chat_client):
    _, _, turns = converse(chat_client, ["Six months ago he had an affair.", "We keep doing the same dance.",
                                         "I'm calmer now, we're both home."])
    assert all(t.technique != "name_the_dance" for t in turns)


def test_safety_holds_after_a_threat_disclosure(chat_client):
    _, _, turns = converse(chat_client, [
        "Last night he put his hands around my neck and said he'd kill me if I left.",
        "should we do couples therapy?",
        "He texted \"come home now\"",
        "I just want us to be okay again.",
    ])
    assert turns[0].intent == "safety"
    for turn in turns[1:]:
        text = turn.reply.text
        assert turn.state.safety_mode
        assert re.search(r"911|1-800-799-7233|988", text), text
        assert not re.search(r"\bboth of you\b|\bthe dance\b|from his side", text, re.I), text
    assert turns[1].reply.text.startswith(("What", "I", "Before", "Thank")) and "Not right now" in turns[1].reply.text


def test_never_mind_i_was_joking_gets_a_gentle_check(chat_client):
    _, _, turns = converse(chat_client, ["I want to kill myself.", "never mind, I was joking"])
    assert turns[1].state.safety_mode
    assert "safe" in turns[1].reply.text and "?" in turns[1].reply.text


def test_state_keeps_memory_across_turns(chat_client):
    _, _, turns = converse(chat_client, ["My boyfriend Dan left and I feel so lonely.", "ok"])
    assert turns[-1].state.partner_name == "Dan"
    assert "lonely" in turns[-1].state.feelings
