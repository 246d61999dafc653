"""How a chat turn is read (issue 14): the sure rules, without the trained heads."""

from __future__ import annotations

import pytest

from app.reply.drafting import Facts, compose_draft, revise
from app.reply.facts import feelings_in, partner_name, tried_in
from app.reply.reading import read_turn
from app.reply.state import ConversationState
from app.reply.voice import without_repeats


@pytest.mark.parametrize(
    "text, kind",
    [
        ("what's the capital of France?", "off_topic"),
        ("how do I file my taxes?", "off_topic"),
        ("should we do couples therapy?", "q_should"),
        ("how long should I wait?", "q_howlong"),
        ("should I call him", "q_should"),
        ("just write the text please", "draft_request"),
        ("help me word it", "draft_request"),
        ('He just texted "I need space, stop texting me"', "partner_words"),
        ('I already sent "can we talk?" an hour ago', "sent_text"),
        ("I'm not fed up, I'm scared", "correct_feeling"),
        ("I wouldn't say angry, more like sad", "correct_feeling"),
        ("Actually I'm the pursuer now", "correct_role"),
        ("never mind, I was joking", "never_mind"),
    ],
)
def test_turns_are_read(text, kind):
    assert read_turn(text).kind == kind


@pytest.mark.parametrize("text, kind", [("make it firmer", "revise_firmer"), ("shorter", "revise_shorter"),
                                        ("that's too harsh", "revise_softer"), ("one more option", "revise_another")])
def test_revisions_are_read_once_a_text_was_offered(text, kind):
    assert read_turn(text, has_draft=True).kind == kind


def test_corrections_carry_the_new_word():
    reading = read_turn("It's not anger, it's fear")
    assert (reading.feeling, reading.not_feeling) == ("scared", "angry")
    assert read_turn("wait, I'm the one who pulls away").role == "distancer"


def test_facts_are_found():
    assert partner_name("My boyfriend Dan went quiet.", ConversationState()) == "Dan"
    assert partner_name("Me and Priya fought again", ConversationState()) == "Priya"
    assert feelings_in("I'm honestly terrified he will leave") == ["terrified"]
    assert tried_in("I did the breathing already") == ["breathing"]


def test_revisions_differ_and_keep_the_facts():
    facts = Facts("Dan", "scared", "you haven't answered since last night", "pursuer")
    first = compose_draft(facts, 0)
    texts = [first] + [revise(first, kind, facts, 0) for kind in ("revise_firmer", "revise_softer", "revise_shorter", "revise_another")]
    assert len(set(texts)) == 5
    assert all("Dan" in t and "last night" in t for t in texts)
    assert len(texts[3]) < len(first)


def test_no_sentence_is_said_twice_but_drafts_and_resources_stay():
    text, keys = without_repeats("Got it. Let's slow down.\n\n“Dan, I miss you.”", [])
    again, _ = without_repeats("Let's slow down. Try a walk.\n\n“Dan, I miss you.”\n\nIf you need them: 988.", keys)
    assert again == "Try a walk.\n\n“Dan, I miss you.”\n\nIf you need them: 988."


def test_more_forms_of_correction_are_read():
    # issue 14: corrections win, in the forms people write them
    assert read_turn("It's not that I feel invisible, I'm lonely").feeling == "lonely"
    assert read_turn("It's not sadness really, more like guilt").feeling == "guilty"
    assert read_turn("Actually I think I'm the one pulling away, not her").role == "distancer"
    assert read_turn("I'm not going, I'm staying").kind != "correct_feeling", "no feeling word, no feeling correction"
    # the model's label stands when the rules miss, if the text carries what it needs
    assert read_turn("honestly it's more fear than anger", model_intent="correct_feeling").feeling == "scared"
    assert read_turn("I'm the chaser these days tbh", model_intent="correct_role").role == "pursuer"
    assert read_turn("I feel fine", model_intent="correct_feeling").kind == "share"


def test_partner_words_off_topic_and_drafts_are_told_apart():
    assert read_turn("His reply: 'I'll be home late, don't wait up'").kind == "partner_words"
    assert read_turn("how do I answer that?").kind == "draft_request"
    assert read_turn("Tess hasn't said a kind word to me since the baby was born.", model_intent="draft_request").kind == "share"
    assert read_turn("I want to show her I care.", model_intent="draft_request").kind == "share"
    for question in ("who wrote Hamlet?", "how many calories are in a banana?", "can you recommend a good book about space travel?"):
        assert read_turn(question).kind == "off_topic", question
    assert read_turn("What is flooding?").kind == "q_what"
    assert read_turn("which wine goes with salmon", model_intent="off_topic").kind == "off_topic"
