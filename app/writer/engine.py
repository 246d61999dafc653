"""The trained writer as an engine: SmolLM2-135M-Instruct plus the LoRA adapter, in-process with llama.cpp.

    writer = TrainedWriter(settings)
    writer.rewrite("you ALWAYS leave the towels on the floor", "softstart")  # -> str | None
    writer.reply("You never listen to me.")                                  # -> str | None

It loads on first use. It writes a greedy candidate and then up to ``candidates`` sampled ones, and returns
the first that passes the gate (``app.writer.gate``); otherwise None, with the reason in ``last_failure``,
so the caller falls back to the composer. Without llama-cpp-python, the base GGUF or the adapter it returns
None at once and ``unavailable`` says why.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from app.settings import DEFAULT_LLM_TIMEOUT_S
from app.writer.dataset import KINDS, prompt_for
from app.writer.gate import GateResult, check

log = logging.getLogger(__name__)

ALIASES = {
    "pursue": "softstart", "soft_start": "softstart", "softstart": "softstart", "criticism": "softstart",
    "withdraw": "break", "break": "break", "stonewalling": "break", "flooding": "break",
    "defend": "defensive", "defensive": "defensive", "defensiveness": "defensive",
    "mixed": "mixed", "reply": "reply", "partner_words": "reply", "partner": "reply",
}
STOPS = ["\n\n", "\nRewrite", "\nMy partner wrote", "<|im_end|>", "<|endoftext|>"]


def normalise_kind(kind: str | None) -> str:
    return ALIASES.get((kind or "softstart").strip().lower(), "softstart")


def clean(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > 1 and text[0] in "\"“'" and text[-1] in "\"”'":
        text = text[1:-1].strip()
    return text


class TrainedWriter:
    """A small fine-tuned writer; every answer has passed the gate, or is None."""

    def __init__(
        self,
        settings=None,
        *,
        adapter_path: Path | None = None,
        base_path: Path | None = None,
        candidates: int = 4,
        temperature: float = 0.7,
        max_tokens: int = 110,
        timeout_s: float | None = None,
        n_threads: int | None = None,
        seed: int = 13,
    ):
        llm = getattr(settings, "llm", None)
        writer = getattr(settings, "writer", None)
        self.adapter_path = Path(adapter_path) if adapter_path else (writer.adapter_path if writer is not None else None)
        self.base_path = Path(base_path) if base_path else (getattr(llm, "gguf_path", None) or None)
        self.candidates = candidates
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s if timeout_s is not None else float(getattr(llm, "timeout_s", DEFAULT_LLM_TIMEOUT_S))
        self.n_threads = n_threads or int(getattr(llm, "n_threads", 2))
        self.seed = seed
        self._model = None
        self._lock = threading.Lock()
        self.unavailable: str | None = None
        self.last_failure: str | None = None
        self.last_candidates: list[tuple[str, GateResult]] = []

    # -- loading -------------------------------------------------------------------------------------------
    def _find_base(self) -> Path | None:
        if self.base_path:
            return Path(self.base_path)
        try:
            from app.backends.llm.factory import packaged_gguf_path

            return packaged_gguf_path()
        except ImportError as exc:
            self.unavailable = str(exc)
            return None

    def load(self) -> bool:
        """Load once; False (and ``unavailable`` says why) when something is missing."""
        if self._model is not None:
            return True
        if self.unavailable:
            return False
        if self.adapter_path is None or not self.adapter_path.is_file():
            self.unavailable = f"writer adapter not found: {self.adapter_path} (softstart train-writer makes it)"
            return False
        base = self._find_base()
        if base is None:
            return False
        if not base.is_file():
            self.unavailable = f"base model not found: {base}"
            return False
        try:
            from llama_cpp import Llama
        except ImportError:
            self.unavailable = "llama-cpp-python is not installed (the local-llm extra)"
            return False
        try:
            self._model = Llama(
                model_path=str(base), lora_path=str(self.adapter_path), n_ctx=512, n_threads=self.n_threads,
                n_batch=256, seed=self.seed, verbose=False,
            )
        except Exception as exc:  # a corrupt or mismatched adapter
            self.unavailable = f"llama.cpp could not load the writer: {exc}"
            log.warning("%s", self.unavailable)
            return False
        return True

    @property
    def available(self) -> bool:
        return self.load()

    # -- generation ----------------------------------------------------------------------------------------
    def _generate(self, prompt: str, temperature: float, seed: int) -> str:
        tokens = self._model.tokenize(prompt.encode("utf-8"), add_bos=False, special=False)
        out = self._model.create_completion(
            tokens, max_tokens=self.max_tokens, temperature=temperature, top_p=0.9 if temperature > 0 else 1.0,
            top_k=40 if temperature > 0 else 1, repeat_penalty=1.0, seed=seed, stop=STOPS,
        )
        return clean(out["choices"][0]["text"])

    def write(self, message: str, kind: str = "softstart") -> str | None:
        """Greedy, then sampled candidates; the first that passes the gate, else None."""
        self.last_failure, self.last_candidates = None, []
        if not message or not message.strip():
            self.last_failure = "empty message"
            return None
        if not self.load():
            self.last_failure = self.unavailable
            return None
        kind = normalise_kind(kind)
        prompt = prompt_for(message, kind)
        deadline = time.monotonic() + self.timeout_s
        with self._lock:
            for i in range(1 + self.candidates):
                if i and time.monotonic() > deadline:
                    self.last_failure = f"time limit ({self.timeout_s:.0f} s) after {i} candidates"
                    break
                text = self._generate(prompt, 0.0 if i == 0 else self.temperature, self.seed + i)
                result = check(message, text, kind)
                self.last_candidates.append((text, result))
                if result.passed:
                    return text
            else:
                self.last_failure = "no candidate passed the gate: " + "; ".join(
                    f"{'/'.join(r.problems)}" for _, r in self.last_candidates[:2]
                )
        return None

    def rewrite(self, message: str, kind: str = "softstart") -> str | None:
        kind = normalise_kind(kind)
        return self.write(message, "softstart" if kind == "reply" else kind)

    def reply(self, partner_message: str) -> str | None:
        return self.write(partner_message, "reply")


assert set(ALIASES.values()) <= set(KINDS)
