"""Engine lists are settings: an unknown name stops start-up with one line; a missing package says what
to install."""

from __future__ import annotations

import pytest

from app.pipeline.engines import ENGINES, EngineUnavailable, UnknownEngine, check_engine_names, require_package
from app.settings import Settings, get_settings


@pytest.mark.parametrize(
    "variable, value, setting",
    [
        ("SOFTSTART_REWRITE__ENGINES", '["llm", "gpt5"]', "rewrite.engines"),
        ("SOFTSTART_ANSWER__ENGINES", '["gpt5"]', "answer.engines"),
        ("SOFTSTART_CHAT__REPLY_ENGINES", '["gpt5", "composer"]', "chat.reply_engines"),
        ("SOFTSTART_DETECT__ENGINES", '["gpt5"]', "detect.engines"),
    ],
)
def test_an_unknown_engine_stops_start_up_with_one_line(monkeypatch, variable, value, setting):
    monkeypatch.setenv(variable, value)
    with pytest.raises(UnknownEngine) as caught:
        get_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert setting in message and variable in message and "'gpt5'" in message
    assert ", ".join(ENGINES[setting]) in message


def test_the_composition_root_checks_the_names_too():
    settings = Settings(environment="test")
    check_engine_names(settings)  # the defaults are all known
    settings.rewrite.engines = ["llm", "typo"]  # not validated on assignment: the composition root catches it
    with pytest.raises(UnknownEngine, match=r"'typo' in setting rewrite.engines .*model, llm, composer"):
        check_engine_names(settings)


def test_build_services_refuses_an_unknown_engine_before_building_anything(tmp_path):
    from app.services import build_services

    settings = Settings(environment="test", data_dir=tmp_path / "data")
    settings.answer.engines = ["oracle"]
    with pytest.raises(UnknownEngine, match="answer.engines"):
        build_services(settings)
    assert not (tmp_path / "data").exists()


def test_a_missing_package_says_what_to_install():
    with pytest.raises(EngineUnavailable) as caught:
        require_package("no_such_package_softstart", setting="rewrite.engines", engine="model", install="uv pip install x")
    assert "no_such_package_softstart" in str(caught.value) and "uv pip install x" in str(caught.value)
    assert "rewrite.engines" in str(caught.value)


def test_the_llm_time_limit_is_a_setting(monkeypatch):
    monkeypatch.setenv("SOFTSTART_LLM__TIMEOUT_S", "1")
    assert get_settings().llm.timeout_s == 1.0
