"""The checks every rewrite must pass, on the real analyzer and the real embedding model."""

from __future__ import annotations

import pytest

from app.detect.analyzer import analyze
from app.rewrite.rewriter import Rewriter
from app.rewrite.checks import (
    DEFAULT_SIMILARITY_FLOOR,
    RewriteChecker,
    break_problems,
    has_first_person_feeling,
    has_request,
    max_length,
    new_facts,
    wants_break,
)
from tests.locale_files import LOCALE

TEXTING = "You never text me back. Do you even care about me?"
DONE = "Whatever. I'm done talking about this."
SOFT_TEXTING = (
    "I feel anxious when I don't hear from you for a long time. Could you send me a quick text "
    "when you're running late? It would help me feel connected to you."
)
BREAK = (
    "Can we take a 20-minute break? I'm feeling overwhelmed and I want to be able to really listen. "
    "I'll come find you at 8:30 so we can finish this."
)


@pytest.fixture(scope="module")
def checker(embedder):
    return RewriteChecker(analyze=analyze, embedder=embedder)


@pytest.fixture(scope="module")
def rewriter(embedder, prompts):
    """The rewriter's ``check`` adds our composed rewrite as the topic reference."""
    return Rewriter(embedder=embedder, prompts=prompts, locale=LOCALE)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One torch thread is ~3x faster for our tiny batches on a busy 2-core machine; restored after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "text",
    [
        "I feel anxious when I don't hear from you.",
        "I'm feeling overwhelmed right now.",
        "I get lonely when we eat in silence.",
        "I've been feeling a bit left out lately.",
        "I'm upset about the dishes.",
    ],
)
def test_first_person_feelings_are_found(text):
    assert has_first_person_feeling(text)


@pytest.mark.parametrize(
    "text",
    [
        "I feel like you never listen.",  # a criticism dressed up as a feeling
        "I feel that you are selfish.",
        "You make me anxious.",
        "Send me a text when you're late.",
    ],
)
def test_disguised_or_missing_feelings_are_not(text):
    assert not has_first_person_feeling(text)


def test_requests_are_found_and_orders_are_not():
    for text in ["Could you text me?", "Can we take a break?", "I'd love a hug.", "I need some help with the laundry."]:
        assert has_request(text), text
    for text in ["You text me back right now.", "The dishes are dirty."]:
        assert not has_request(text), text


def test_break_script_needs_pause_return_and_stated_time():
    assert break_problems(BREAK) == []
    assert break_problems("Can we take a break? I'll come back in half an hour.") == []
    assert "does not promise to come back" in break_problems("I need a break.")
    assert "does not say when the sender will come back" in break_problems("Can we take a break? I'll come back later.")
    assert any("shorter than 20 minutes" in p for p in break_problems("Give me a 5-minute pause and I'll be back in 5 minutes."))
    assert any("shorter than 20 minutes" in p for p in break_problems("Can we pause for ten minutes? I'll come back at 8."))


def test_new_facts_are_names_numbers_times_and_places():
    original = "You never help with the dishes."
    assert new_facts(original, "I feel tired when I do the dishes. Could you help me with the dishes?") == set()
    assert new_facts(original, "I feel tired. Could you and Sam do the dishes?") == {"sam"}
    assert new_facts(original, "I feel tired. Could you do the dishes on Friday?") == {"friday"}
    assert new_facts(original, "I feel tired. Could you do the dishes 3 times?") == {"3"}
    assert new_facts(original, "I feel tired. Could you do the dishes before the gym?") == {"gym"}
    # facts the original already states are fine, whatever their case
    assert new_facts("Sam said you'd call at 6.", "I feel worried when Sam says you'll call at 6.") == set()


def test_break_scripts_may_add_their_time_but_not_names():
    assert new_facts(DONE, BREAK, break_script=True) == set()
    assert new_facts(DONE, BREAK, break_script=False) >= {"20", "8:30"}
    assert new_facts(DONE, "Can we take a break, Alex? I'll come back in 30 minutes.", break_script=True) == {"alex"}


def test_good_soft_start_up_passes(rewriter):
    result = rewriter.check(analyze(TEXTING), SOFT_TEXTING)
    assert result.passed, result.reasons
    assert result.reasons == []
    assert result.similarity is not None and 0 < result.similarity < 1  # raw similarity to the message


def test_topic_reference_lifts_short_messages_but_not_poems(checker):
    original = analyze("Real mature.")
    reference = "I'm feeling upset about what's going on between us. Could we talk about it when you have a moment?"
    draft = "I feel upset about how things are going between us. Could we talk it over when you're free?"
    alone = checker.check(original, draft)
    assert any(r.startswith("off topic") for r in alone.reasons)  # raw similarity to "Real mature." is low
    assert checker.check(original, draft, reference=reference).passed
    poem = "I feel calm when the waves roll in at sunset. Could you paint the sky with me?"
    assert any(r.startswith("off topic") for r in checker.check(original, poem, reference=reference).reasons)


def test_draft_that_still_criticises_fails(checker):
    result = checker.check(analyze(TEXTING), "I feel anxious because you never text me back. Could you text me?")
    assert not result.passed
    assert any(reason.startswith("still harsh") for reason in result.reasons)


def test_draft_without_feeling_or_request_fails(checker):
    result = checker.check(analyze(TEXTING), "It has been a long time since I heard from you about texting back.")
    assert "no first-person feeling (I feel ...)" in result.reasons
    assert any(reason.startswith("no request") for reason in result.reasons)


def test_off_topic_draft_fails_on_similarity(rewriter):
    poem = "I feel calm when the waves roll in at sunset. Could you paint the sky with me in soft colours?"
    result = rewriter.check(analyze(TEXTING), poem)
    assert not result.passed
    assert result.similarity is not None and result.similarity < rewriter.similarity_floor
    assert any(reason.startswith("off topic") for reason in result.reasons)


def test_draft_about_another_concern_fails_on_similarity(rewriter):
    money = "I feel anxious when I'm not sure where we stand with our savings. Could we sit down and make a budget?"
    result = rewriter.check(analyze(TEXTING), money)
    assert any(reason.startswith("off topic") for reason in result.reasons)


def test_draft_adding_facts_fails(rewriter):
    draft = "I feel anxious when I don't hear from you. Could you text me before 6pm on Tuesday, like Jordan does?"
    result = rewriter.check(analyze(TEXTING), draft)
    assert not result.passed
    reason = next(r for r in result.reasons if r.startswith("adds facts"))
    for fact in ("tuesday", "jordan"):
        assert fact in reason


def test_overlong_draft_fails(checker):
    original = analyze("You never call me.")
    draft = SOFT_TEXTING + " " + " ".join(["It would help me feel connected to you."] * 12)
    assert len(draft) > max_length(original.message)
    result = checker.check(original, draft)
    assert any(reason.startswith("too long") for reason in result.reasons)


def test_withdrawal_is_checked_as_a_break_script(rewriter):
    original = analyze(DONE)
    assert wants_break(original)
    assert rewriter.check(original, BREAK).passed, rewriter.check(original, BREAK).reasons
    no_return = rewriter.check(original, "I'm feeling overwhelmed. Can we take a break?")
    assert not no_return.passed
    assert "does not promise to come back" in no_return.reasons
    too_short = rewriter.check(original, "Can we take a 5-minute break? I'll come back in 5 minutes.")
    assert any("shorter than 20 minutes" in r for r in too_short.reasons)


def test_without_embedder_similarity_is_skipped_but_the_rest_runs():
    checker = RewriteChecker(analyze=analyze, embedder=None)
    good = checker.check(analyze(TEXTING), SOFT_TEXTING)
    assert good.passed and good.similarity is None
    bad = checker.check(analyze(TEXTING), "You never text me. Could you text me?")
    assert not bad.passed


def test_empty_draft_fails(checker):
    assert not checker.check(analyze(TEXTING), "   ").passed


# The topic floor (DEFAULT_SIMILARITY_FLOOR) was tuned on the labelled set; these pairs
# record what it must keep doing: drafts about the same concern pass, whatever their
# wording; poems, stories and other concerns fail, also for one-line messages.
ON_TOPIC = [
    (TEXTING, SOFT_TEXTING),
    ("You're glued to your phone all through dinner.", "I feel lonely when phones are on the table while we eat. Could we keep them away during dinner?"),
    ("You never do the dishes, you're so lazy.", "I feel overwhelmed when I end up doing the dishes by myself. Could you help me with them?"),
    ("You never listen to me!", "I feel unheard when I share something important and the conversation moves on. Could you give me your full attention?"),
    ("You spent all our money again, unbelievable.", "I feel anxious when I'm not sure where we stand with our spending. Could we sit down and go over it together?"),
    ("You're late again. You clearly don't care.", "I feel worried when you're running late and I don't know when you'll arrive. Could you let me know?"),
    ("Real mature.", "I feel upset about how things are going between us. Could we talk it over when you're free?"),
]
OFF_TOPIC = [
    (TEXTING, "Roses are red, violets are blue, the ocean is deep and the sky is too."),
    (TEXTING, "I feel calm when the waves roll in at sunset. Could you paint the sky with me?"),
    ("You never do the dishes, you're so lazy.", "Here is a haiku about autumn leaves falling gently on a quiet pond."),
    ("You're glued to your phone all through dinner.", "I feel excited about the new telescope. Could we look at Jupiter's moons?"),
    ("You spent all our money again, unbelievable.", "Once upon a time a dragon guarded a castle made of glass."),
    ("Real mature.", "Sure! Here is a poem: the moon sings softly to the sea."),
    ("??", "I feel happy when I bake bread. Could you pass me the flour?"),
]


def test_similarity_floor_separates_on_topic_from_off_topic(rewriter):
    assert rewriter.similarity_floor == DEFAULT_SIMILARITY_FLOOR
    for message, draft in ON_TOPIC:
        result = rewriter.check(analyze(message), draft)
        assert not any(r.startswith("off topic") for r in result.reasons), (message, result.reasons)
    for message, draft in OFF_TOPIC:
        result = rewriter.check(analyze(message), draft)
        assert any(r.startswith("off topic") for r in result.reasons), (message, draft, result.similarity)
