"""``first_passing``: the order, the checks, what is recorded about each engine, the last resort."""

from __future__ import annotations

import pytest

from app.backends.llm.calls import ModelCallTimeout
from app.pipeline.loop import Engine, NoOutput, first_passing
from app.pipeline.ports import Verdict


def passes_unless_bad(engine: str, text: str) -> Verdict:
    return Verdict(False, ("it says bad",)) if "bad" in text else Verdict(True)


def boom():
    raise ConnectionError("server went away")


def too_slow():
    raise ModelCallTimeout("the language model timed out after 1s")


def nothing():
    raise NoOutput("no candidate passed its gate")


COMPOSER = Engine("composer", lambda: "ours")


def test_the_first_engine_that_passes_answers_and_later_ones_never_run():
    ran = []
    engines = [Engine("model", lambda: ran.append("model") or "good"), Engine("llm", lambda: ran.append("llm") or "good too")]
    outcome = first_passing(engines, passes_unless_bad, last_resort=COMPOSER)
    assert (outcome.value, outcome.engine, outcome.fallback, outcome.reason) == ("good", "model", False, None)
    assert ran == ["model"] and [a.status for a in outcome.attempts] == ["passed"]


def test_every_rejection_is_recorded_with_its_reason_and_time():
    engines = [Engine("model", nothing), Engine("llm", boom), Engine("llm2", too_slow), Engine("llm3", lambda: "bad text")]
    outcome = first_passing(engines, passes_unless_bad, last_resort=COMPOSER)
    assert outcome.value == "ours" and outcome.engine == "composer" and outcome.fallback
    assert [(a.engine, a.status) for a in outcome.attempts] == [
        ("model", "no_output"), ("llm", "error"), ("llm2", "timeout"), ("llm3", "failed_check"), ("composer", "passed")]
    assert all(a.seconds >= 0 for a in outcome.attempts)
    reason = outcome.reason
    assert "no candidate passed its gate" in reason and "ConnectionError: server went away" in reason
    assert "timed out after 1s" in reason and "llm3: failed the checks: it says bad" in reason


def test_empty_text_is_no_output():
    outcome = first_passing([Engine("llm", lambda: "  ")], passes_unless_bad, last_resort=COMPOSER)
    assert outcome.attempts[0].status == "no_output" and outcome.engine == "composer"


def test_the_last_resort_is_used_even_when_its_check_fails_and_says_so():
    outcome = first_passing([], passes_unless_bad, last_resort=Engine("composer", lambda: "bad but ours"))
    assert outcome.value == "bad but ours" and outcome.attempts[0].status == "used_anyway"
    assert outcome.fallback is False  # nothing before it was rejected
    assert outcome.check.reasons == ("it says bad",)


def test_the_last_resort_may_have_its_own_check():
    outcome = first_passing([], passes_unless_bad, last_resort=Engine("composer", lambda: "bad"),
                            last_resort_check=lambda engine, text: Verdict(True))
    assert outcome.attempts[0].status == "passed"


def test_a_failing_last_resort_is_not_hidden():
    with pytest.raises(ZeroDivisionError):
        first_passing([], passes_unless_bad, last_resort=Engine("composer", lambda: 1 / 0))
