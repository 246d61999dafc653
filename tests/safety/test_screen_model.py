"""The screen's model engine: rules OR model, the direction settled before the wording, English only."""

from __future__ import annotations

import pytest

from app.language_id import LanguageDetector
from app.screen.screen import ModelVerdict, SafetyScreen
from tests.locale_files import language_books as load_language_books
from tests.locale_files import resources as load_resources
from tests.locale_files import rule_book as load_rule_book


class FixedModel:
    def __init__(self, verdict):
        self.verdict = verdict
        self.asked = []

    def check(self, text):
        self.asked.append(text)
        return self.verdict


@pytest.fixture(scope="module")
def rules():
    return load_rule_book()


def screen_with(prompts, rules, verdict):
    model = FixedModel(verdict)
    screen = SafetyScreen(load_resources("US"), prompts, rules, model=model,
                          language_books=load_language_books(("es", "fr", "de", "pt")), detect_language=LanguageDetector())
    return screen, model


def test_the_model_alone_flags_what_no_rule_sees_with_its_kind_and_direction(prompts, rules):
    screen, _ = screen_with(prompts, rules, ModelVerdict("threat", "crisis", 0.97, 0.9))
    result = screen.screen("I'm parked outside her office and I brought what I need")
    assert (result.level, result.kind, result.direction) == ("crisis", "threat", "perpetrator")
    assert result.engines == ("model",) and result.matched == ["model:threat"]
    assert result.message.startswith(prompts.get("safety_threat")[:30])


def test_a_rule_settles_the_direction_and_a_disagreeing_model_cannot_turn_a_victim_into_a_perpetrator(prompts, rules):
    screen, _ = screen_with(prompts, rules, ModelVerdict("threat", "crisis", 0.99, 0.99))
    result = screen.screen("How do I word this so he doesn't hit me again?")
    assert result.kind == "abuse" and result.direction == "victim" and result.level == "crisis"
    assert result.engines == ("rules", "model")


def test_an_agreeing_model_may_raise_the_level(prompts, rules):
    screen, _ = screen_with(prompts, rules, ModelVerdict("control_request", "crisis", 0.95, 0.8))
    plain = SafetyScreen(load_resources("US"), prompts, rules).screen("how can I read my wife's texts without her knowing")
    result = screen.screen("how can I read my wife's texts without her knowing")
    assert plain.level == "concern" and result.level == "crisis" and result.direction == "perpetrator"


def test_the_english_only_model_is_not_asked_about_other_languages(prompts, rules):
    screen, model = screen_with(prompts, rules, ModelVerdict("abuse", "crisis", 0.99, 0.99))
    result = screen.screen("Nunca me contestas los mensajes y ya estoy cansada de esperar.")
    assert result.level == "none" and result.language == "es" and model.asked == []
    danger = screen.screen("Ya no quiero vivir, esta noche me quito la vida.")
    assert danger.kind == "self_harm" and danger.engines == ("rules:es",)


@pytest.mark.parametrize("text", ["me muero de risa con tu mensaje", "je meurs de faim, on mange quand ?", "Ich sterbe vor Langeweile hier"])
def test_other_language_hyperbole_is_not_flagged(prompts, rules, text):
    screen, _ = screen_with(prompts, rules, None)
    assert screen.screen(text).level == "none"
