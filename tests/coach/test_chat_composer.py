"""Composed replies: templates that render for every partner, varied wording, our own words,
and the pieces a stream sends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app.reply.chunks import reply_chunks
from app.reply.composer import Part, ReplyComposer, VariantPicker, partner_words
from app.reply.checks import takes_sides, word_runs
from app.rewrite.checks import break_problems

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
CHAT_PROMPTS = sorted(p.stem for p in (REPO / "prompts" / "en").glob("chat_*.md"))
COACH_PROMPTS = [name for name in CHAT_PROMPTS if not name.startswith("chat_llm_")]


def test_every_chat_template_renders_for_him_her_and_a_partner(prompts):
    assert len(COACH_PROMPTS) >= 40
    for name in COACH_PROMPTS:
        variants = prompts.variants(name)
        assert variants, name
        for pronoun in ("he", "she", None):
            for variant in variants:
                # the openers and the partner's-view lines are built from what the user said (issue 14)
                said = {"who": "Sam", "who_subj": "Sam", "feeling": "scared", "Feeling": "Scared", "event": "he left last night",
                        "event_short": "he left last night"}
                text = prompts.fill(variant, **partner_words(pronoun), **said)
                assert "$" not in text, (name, text)
                assert text == text.strip() and "  " not in text, (name, text)
                assert takes_sides(text) is None, (name, text)


def test_composed_sentences_keep_grammar_for_every_partner(prompts):
    composer = ReplyComposer(prompts)
    for pronoun, expected in (("he", r"\bhis\b|\bhim\b|\bhe\b"), ("she", r"\bher\b|\bshe\b"), (None, r"your partner")):
        parts = [Part("chat_partner_view_of_distancer", 1, "partner_view")]
        for turn in range(8):
            text = composer.compose(parts, VariantPicker("s", turn, {}), partner_words(pronoun)).text
            assert re.search(expected, text, re.I), text
            assert not re.search(r"\b(?:he|she) (?:feel|want|try)\b", text), text


def test_variants_are_not_repeated_on_the_next_turn():
    used: dict[str, list[int]] = {}
    picks = []
    for turn in range(1, 30):
        number = VariantPicker("session-1", turn, used).pick("chat_reflect_general", 4)
        picks.append(number)
        used.setdefault("chat_reflect_general", []).append(number)
    assert all(a != b for a, b in zip(picks, picks[1:]))
    assert set(picks) == {0, 1, 2, 3}
    other_session = [VariantPicker("session-2", turn, {}).pick("chat_reflect_general", 4) for turn in range(1, 30)]
    assert other_session != picks, "each conversation has its own order"


def test_default_break_scripts_are_real_break_scripts(prompts):
    for script in prompts.variants("chat_break_script_default"):
        assert break_problems(script) == [], script


def _seed_runs(length: int = 10) -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for path in SEEDS.glob("*.txt"):
        runs |= word_runs(path.read_text(encoding="utf-8", errors="replace"), length)
    return runs


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles (shared/seeds) are not beside the repository")
def test_chat_wording_copies_no_sentence_of_the_source_articles(prompts):
    seeds = _seed_runs(10)
    assert seeds
    texts = [prompts.get(name) for name in CHAT_PROMPTS]
    for data in ("cues.yaml", "techniques.yaml"):
        texts.append(yaml.safe_dump(yaml.safe_load((REPO / "app" / "locales" / "en" / "chat" / data).read_text())))
    for text in texts:
        for pronoun in ("he", "she", None):
            copied = word_runs(prompts.fill(text, **partner_words(pronoun)), 10) & seeds
            assert not copied, [" ".join(run) for run in copied]


@pytest.mark.parametrize(
    "text",
    [
        "Hello there. How are you?\n\n“I am fine,” she said! ok",
        "  leading space. " + "word " * 40,
        "One line only",
        "Ends with a newline.\n",
        "Wait... what?! Really?\n\n- a list item\n- another",
        "",
    ],
)
def test_stream_pieces_add_up_to_the_reply(text):
    chunks = reply_chunks(text)
    assert "".join(chunks) == text
    assert all(chunks)
    assert all(len(chunk.split()) <= 12 for chunk in chunks)
