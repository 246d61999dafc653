"""The engine names each job's settings may list, and the start-up errors about them.

An unknown name stops start-up with one line that names the setting, the bad name and the engines that
exist; an engine whose package is missing says what to install.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any, get_args

from app.settings import AnswerEngine, DetectEngine, IntentEngine, ReplyEngine, RewriteEngine, ScreenEngine

# setting (dotted path in Settings) -> the engines that exist for it
ENGINES: Mapping[str, tuple[str, ...]] = {
    "detect.engines": get_args(DetectEngine),
    "screen.engines": get_args(ScreenEngine),
    "rewrite.engines": get_args(RewriteEngine),
    "answer.engines": get_args(AnswerEngine),
    "chat.reply_engines": get_args(ReplyEngine),
    "chat.intent_engines": get_args(IntentEngine),
}
LOCAL_LLM_INSTALL = "uv pip install -e '.[local-llm]'"


class UnknownEngine(ValueError):
    """A setting lists an engine that does not exist."""


class EngineUnavailable(ImportError):
    """An engine's package is not installed."""


def env_name(setting: str) -> str:
    return "SOFTSTART_" + setting.upper().replace(".", "__")


def unknown_engine_message(setting: str, name: object) -> str:
    return (f"unknown engine {name!r} in setting {setting} ({env_name(setting)}); "
            f"the engines that exist: {', '.join(ENGINES[setting])}")


def check_engine_names(settings: Any) -> None:
    """``UnknownEngine`` for the first name in an engine list that does not exist."""
    for setting, known in ENGINES.items():
        value: Any = settings
        for part in setting.split("."):
            value = getattr(value, part)
        for name in value:
            if name not in known:
                raise UnknownEngine(unknown_engine_message(setting, name))


def unknown_engine_in(error: Any) -> UnknownEngine | None:
    """The one-line ``UnknownEngine`` for a pydantic ``ValidationError`` about an engine list, else None."""
    for problem in error.errors():
        setting = ".".join(str(part) for part in problem.get("loc", ()) if not isinstance(part, int))
        if setting in ENGINES and problem.get("type") == "literal_error":
            return UnknownEngine(unknown_engine_message(setting, problem.get("input")))
    return None


def require_package(module: str, *, setting: str, engine: str, install: str) -> None:
    """``EngineUnavailable`` naming what to install when ``module`` cannot be imported."""
    if importlib.util.find_spec(module) is None:
        raise EngineUnavailable(f"the {engine!r} engine of {setting} needs the Python package {module!r}: install it with `{install}`")
