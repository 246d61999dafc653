"""The technique catalogue: data that resolves to our articles and templates, choices that fit
the moment, no repeats, and every technique of the source articles reachable in a conversation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.detect import analyzer
from app.reply.memory import remember
from app.reply.signals import CueBook
from app.reply.state import ConversationState, note_technique, observe
from app.reply.techniques import Moment, TechniqueCatalogue
from app.knowledge.articles import FRONT_MATTER
from tests.api.conftest import build_chat_coach
from tests.locale_files import KNOWLEDGE_DIRS, LOCALE

REPO = Path(__file__).resolve().parents[2]

# The techniques the product issue asks for, by catalogue id.
ASKED_FOR = {
    "self_check",  # the self-check before reaching out: closeness, or soothing my own worry?
    "pause_and_breathe",  # pausing and breathing before a reply
    "time_out",  # the time-out with a promised check-back
    "more_time",  # asking for more time if still flooded
    "name_the_dance",  # naming the dance together
    "dancing_check",  # "are we dancing right now?"
    "invite_not_demand",  # inviting instead of demanding
    "small_bids",  # small, steady bids for a distancer
    "vulnerable_feeling",  # the vulnerable feeling under the complaint
    "negotiate_space",  # negotiating closeness and space in plain words
    "life_change",  # a recent life change that upset the balance
    "reflect_after",  # reflection prompts for after the fight
    "outside_support",  # support outside the relationship
    "therapy",  # couples or individual therapy when the pattern persists
}

SCENARIOS = {
    "pursuer": [
        "He hasn't answered my texts all afternoon and I keep texting him.",
        "I miss him so much, I feel so alone.",
        "I just want him to talk to me, we need to talk tonight.",
        "He's so selfish, he always does this!!",
        "MY HEART IS RACING, I CAN'T THINK!!!",
        "I took a break and went for a walk, but I'm still shaking.",
        "I'm calmer now, thanks.",
        "I'm scared he'll leave me. Does he even love me?",
        "It's the same fight every single week, for years now.",
        "I still keep texting him when he goes quiet.",
        "Ugh, here we go again, he's gone quiet and I'm chasing.",
    ],
    "distancer": [
        "She keeps following me from room to room.",
        "I just need to get out of the room.",
        "I'm back from the walk. I'm calmer now, thanks.",
        "I do love her, I want to be closer but I also need my space.",
        "I go quiet because I don't want to make it worse.",
        "I want to show her I care.",
    ],
    "change": [
        "Since the baby came we barely talk anymore and I keep asking him to.",
        "We had a huge fight last night after the kids were asleep.",
        "I'm calmer now. I just want us to be okay.",
    ],
}


@pytest.fixture(scope="module")
def catalogue():
    return TechniqueCatalogue.load(LOCALE.techniques, KNOWLEDGE_DIRS)


@pytest.fixture(scope="module")
def coach(services):
    return build_chat_coach(services)


def test_every_technique_resolves_to_an_article_section_and_a_template(catalogue, prompts):
    assert len(catalogue.techniques) == len({t.id for t in catalogue.techniques})
    for technique in catalogue.techniques:
        assert len(prompts.variants(technique.template)) >= 2, technique.template
        source = catalogue.source(technique)
        article = (REPO / "knowledge" / technique.article).read_text(encoding="utf-8")
        meta = FRONT_MATTER.match(article)
        assert meta and source.title in meta.group(1)
        assert re.search(rf"^#+\s*{re.escape(technique.section)}\s*$", article, re.M)
        assert source.passage and source.passage[:60] in " ".join(article.split())
        assert source.source_id == f"knowledge/{technique.article}"
    assert ASKED_FOR <= {t.id for t in catalogue.techniques}


def test_a_missing_article_section_is_an_error(tmp_path):
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "the-20-minute-break.md").write_text("---\ntitle: X\n---\n# X\n\nNo sections here.\n")
    with pytest.raises(ValueError):
        TechniqueCatalogue.load(LOCALE.techniques, [folder])


def moment_after(texts, techniques=()):
    cues, state = CueBook.load(LOCALE.cues), ConversationState()
    for text in texts:
        signals = cues.read(text)
        state = observe(state, analyzer.analyze(text), signals)
    for technique in techniques:
        state = note_technique(state, technique)
    analysis = analyzer.analyze(texts[-1])
    return Moment(state, signals.marks, frozenset(f.kind for f in analysis.flags), "share")


def test_choices_fit_the_moment(catalogue):
    assert catalogue.choose(moment_after(["He never texts back and I keep texting him."])).id == "self_check"
    assert catalogue.choose(moment_after(["She keeps pushing.", "I just need to get out of the room!"])).id == "time_out"
    flooded_again = moment_after(["I keep calling him.", "MY HEART IS POUNDING!!!"], techniques=["time_out"])
    assert catalogue.choose(flooded_again).id != "time_out", "the same break is not offered twice in a row"
    assert catalogue.choose(flooded_again).id != "more_time", "more time is for after a break was taken"
    back = moment_after(["I keep calling him.", "MY HEART IS POUNDING!!!", "I took a break but my heart is still racing"], techniques=["time_out"])
    assert catalogue.choose(back).id == "more_time"


def test_the_last_technique_is_never_offered_again_right_away(catalogue):
    texts = ["He never texts back and I keep texting him."]
    moment = moment_after(texts, techniques=["self_check"])
    assert catalogue.choose(moment).id != "self_check"


def converse(coach, name, texts):
    state, summary, messages, turns = ConversationState(), "", [], []

    class Message:
        def __init__(self, seq, role, text):
            self.seq, self.role, self.text = seq, role, text

    for text in texts:
        turn = coach.reply(text, state=state, memory=remember(messages, summary), seed=name)
        state, summary = turn.state, turn.summary
        messages += [Message(len(messages) + 1, "user", text), Message(len(messages) + 2, "coach", turn.reply)]
        turns.append(turn)
    return turns


@pytest.mark.parametrize("seed", ["", ":b", ":c"])
def test_every_asked_for_technique_is_offered_at_a_fitting_moment(coach, catalogue, seed):
    # issue 14: the technique follows the moment, not the session's seed; the wording passes the checks for every seed
    offered = {}
    for name, texts in SCENARIOS.items():
        turns = converse(coach, name + seed, texts)
        ids = [t.technique for t in turns]
        assert all(a != b for a, b in zip(ids, ids[1:])), ids
        for turn in turns:
            if turn.intent == "share":
                check = coach.checker.check(turn.reply)
                assert check.passed, (check.reasons, turn.reply)
            if turn.technique:
                offered.setdefault(turn.technique, turn)
                cited = [s for s in turn.sources if s.kind == "technique"]
                assert [s.technique for s in cited] == [turn.technique]
                assert cited[0].title == catalogue.source(catalogue.get(turn.technique)).title
    assert ASKED_FOR <= set(offered), ASKED_FOR - set(offered)
    assert offered["time_out"].state.flooded
    assert offered["more_time"].state.flooded
    assert offered["small_bids"].state.role == "distancer"
    assert offered["self_check"].state.role == "pursuer"
