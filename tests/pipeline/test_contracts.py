"""One contract suite per port, run against every engine of that port: our own (rules / composer) and a
fake LLM behind the ``TextModel`` adapter (and the trained heads where they are installed)."""

from __future__ import annotations

import time

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.detect import analyzer
from app.reply.memory import remember
from app.reply.state import ConversationState
from app.rewrite.rewriter import Rewriter as RewriteEngines
from app.backends.llm.text_model import LangChainTextModel
from app.models.engines import RulesDetector
from app.pipeline import ports
from app.pipeline.detection import AnalysisDetector
from app.services import build_answerer, build_safety_screen
from tests.api.conftest import build_chat_coach
from tests.locale_files import LOCALE
from tests.pipeline.conftest import PURSUER, QUESTION, TEXTING

GENTLE = "I miss you and I'd love some time together this weekend."
NOT_COVERED = "What is the boiling point of mercury in kelvin?"
GOOD_DRAFT = (
    "I feel anxious when I don't hear from you for a long time. Could you send me a quick text when "
    "you're running late? It would help me feel connected to you."
)
GOOD_REPLY = (
    "It sounds lonely to keep reaching out and hear nothing back. When the quiet stretches and you reach harder, "
    "that is the pursuing step of the cycle, and it comes from wanting to feel close. From his side, a stream of "
    "messages may feel like pressure, and going quiet may be how he tries not to make things worse. Before the next "
    "text, take a few slow breaths and ask yourself whether you are reaching out to connect or to settle your worry."
)


def fake(reply: str, **extra) -> FakeListChatModel:
    return FakeListChatModel(responses=[reply], **extra)


# ---------------------------------------------------------------------------------------------- Rewriter
@pytest.fixture(scope="module", params=["composer", "llm"])
def rewriter(request, embedder, prompts, services):
    """(the engine expected to answer, a rewriter whose engines put it first)."""
    llm = fake(GOOD_DRAFT) if request.param == "llm" else None
    engines = ["llm", "composer"] if llm is not None else ["composer"]
    built = RewriteEngines(embedder=embedder, prompts=prompts, locale=LOCALE, llm=llm, llm_name="fake" if llm else "none",
                           engines=engines, screen=services.safety)
    return request.param, built


def test_rewriter_port_a_harsh_message_gets_a_checked_rewrite_and_says_which_engine(rewriter):
    expected, engine = rewriter
    assert isinstance(engine, ports.Rewriter)
    result = engine.rewrite(TEXTING)
    assert result.original == TEXTING and not result.unchanged
    assert result.rewrite and result.rewrite != TEXTING and result.check.passed
    assert result.engine.engine == expected and result.engine.fallback is False
    assert result.engine.attempts[-1].engine == expected and result.engine.attempts[-1].accepted
    assert all(a.seconds >= 0 for a in result.engine.attempts)


def test_rewriter_port_a_gentle_message_stays_as_it_is(rewriter):
    _, engine = rewriter
    result = engine.rewrite(GENTLE)
    assert result.unchanged and result.rewrite == GENTLE


# ---------------------------------------------------------------------------------------------- Answerer
@pytest.fixture(scope="module", params=["composer", "llm"])
def answerer(request, services):
    if request.param == "composer":
        return "composer", services.answerer
    composed = services.answerer.answer(QUESTION)
    sentence = composed.sources[0].excerpt.split(". ")[0].rstrip(".")
    built = build_answerer(services.settings, services.index, services.prompts, fake(f"{sentence} [1]."), screen=services.safety)
    return "llm", built


def test_answerer_port_a_covered_question_gets_a_grounded_answer_with_sources(answerer):
    expected, engine = answerer
    assert isinstance(engine, ports.Answerer)
    result = engine.answer(QUESTION)
    assert result.grounded and result.sources and result.answer.strip()
    assert result.engine.engine == expected and result.engine.fallback is False


def test_answerer_port_an_uncovered_question_says_so_without_sources(answerer):
    _, engine = answerer
    result = engine.answer(NOT_COVERED)
    assert not result.grounded and result.sources == [] and result.answer.strip()


# ---------------------------------------------------------------------------------------------- Replier
@pytest.fixture(scope="module", params=["composer", "llm"])
def replier(request, services):
    if request.param == "composer":
        return "composer", build_chat_coach(services)
    return "llm", build_chat_coach(services, llm=fake(GOOD_REPLY), llm_name="fake", llm_model="fake-model")


def one_turn(coach, text):
    return coach.reply(text, state=ConversationState(), memory=remember([], ""), seed="contract")


def test_replier_port_a_sharing_turn_is_coached_and_says_which_engine(replier):
    expected, coach = replier
    assert isinstance(coach, ports.Replier)
    turn = one_turn(coach, PURSUER)
    assert turn.reply.strip() and turn.state.turn == 1 and turn.intent != "safety"
    assert turn.engine.engine == expected and turn.engine.fallback is False


def test_replier_port_a_crisis_stops_coaching_before_any_engine(replier):
    _, coach = replier
    turn = one_turn(coach, "I'm going to hurt him")
    assert turn.intent == "safety" and turn.safety.blocks_coaching and turn.engine.reason == "safety screen"
    assert turn.engine.attempts == ()


# ---------------------------------------------------------------------------------------------- Screen
@pytest.fixture(scope="module", params=["configured", "rules"])
def screen(request, services, embedder):
    if request.param == "configured":
        return services.safety
    settings = services.settings.model_copy(deep=True)
    settings.screen.engines = ["rules"]
    return build_safety_screen(settings, services.prompts, embedder)


def test_screen_port_danger_stops_coaching_and_ordinary_conflict_does_not(screen):
    assert isinstance(screen, ports.Screen)
    threat = screen.screen("I swear I'm gonna kill him when he gets home")
    assert threat.blocks_coaching and threat.kind == "threat" and threat.message and threat.resources
    assert not screen.screen(TEXTING).blocks_coaching
    assert not screen.screen("   ").blocks_coaching
    assert screen.screen("I swear I'm gonna kill him when he gets home", composed=True).blocks_coaching  # the rules read ours


# ---------------------------------------------------------------------------------------------- Detector
@pytest.fixture(scope="module", params=["rules", "configured"])
def detector(request, services):
    if request.param == "rules":
        return AnalysisDetector(RulesDetector(analyzer.default_analyzer()))
    return AnalysisDetector(services.rewriter.analyze)  # the model when its heads load, else the rules


def test_detector_port_gives_structured_evidence(detector):
    assert isinstance(detector, ports.Detector)
    found = detector.detect(TEXTING)
    assert found.harsh and found.kinds and found.move == "pursue" and 0 < found.confidence <= 1
    for span in found.spans:
        assert TEXTING[span.start:span.end] == span.text
    calm = detector.detect(GENTLE)
    assert not calm.harsh and calm.move in ("pursue", "withdraw", "defend", "neutral")


# ---------------------------------------------------------------------------------------------- TextModel
def test_text_model_port_messages_in_text_out_within_the_limit():
    model = LangChainTextModel(fake("  hello  "), backend="fake", model="fake-list", timeout_s=1)
    assert isinstance(model, ports.TextModel)
    assert model.complete([ports.ChatMessage("system", "be brief"), ports.ChatMessage("user", "hi")]).strip() == "hello"
    slow = LangChainTextModel(fake("late", sleep=3), backend="fake", model="fake-list", timeout_s=0.5)
    started = time.perf_counter()
    with pytest.raises(ports.ModelTimeout):
        slow.complete([ports.ChatMessage("user", "hi")])
    assert time.perf_counter() - started < 1.5


# ---------------------------------------------------------------------------------------------- Embedder, Retriever
def test_embedder_and_retriever_ports(services, embedder):
    assert isinstance(embedder, ports.Embedder)
    vectors = embedder.embed(["one", "two"])
    assert len(vectors) == 2 and len(vectors[0]) == len(vectors[1]) > 0
    retriever = services.answerer.retriever
    assert isinstance(retriever, ports.Retriever)
    found = retriever.retrieve(QUESTION)
    assert found.relevant and found.passages
