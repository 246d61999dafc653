"""Calling a chat model with a time limit, on long-lived threads shared by every caller.

A new thread per call would also mean a new OpenMP team for an in-process llama.cpp model on
every call; a small pool keeps its threads. A call that runs past the limit is abandoned, not
stopped: the model finishes it in the background.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from app.pipeline.ports import ModelTimeout

_MODEL_CALLS = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="llm-call")


class ModelCallTimeout(ModelTimeout):
    """The model did not answer within the limit."""


def invoke_with_timeout(llm: BaseChatModel, messages: Sequence[BaseMessage], timeout_s: float) -> Any:
    """``llm.invoke(messages)``, or ``ModelCallTimeout`` after ``timeout_s``; the model's own errors pass through."""
    future = _MODEL_CALLS.submit(llm.invoke, list(messages))
    try:
        return future.result(timeout=timeout_s)
    except concurrent.futures.TimeoutError as exc:
        future.cancel()  # only helps while it is still queued
        raise ModelCallTimeout(f"the language model timed out after {timeout_s:g}s") from exc
