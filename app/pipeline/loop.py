"""One loop for every job: try the engines in order, check each output, keep the first that passes.

``first_passing`` records which engine answered, why each other one was rejected (an error, a
timeout, no text, or a failed check and its reasons) and how long each took. The job's own
``rules``/``composer`` engine is the last resort: it always answers, and its output is used even
when its check fails (the check is kept so the caller can report it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Status = Literal["passed", "used_anyway", "failed_check", "error", "timeout", "no_output"]


class CheckResult(Protocol):
    """What a job's check returns (``RewriteCheck``, ``ReplyCheck``, ``GroundingCheck``, ``Verdict``)."""

    passed: bool
    reasons: Sequence[str]


class NoOutput(Exception):
    """An engine had nothing to offer this time, and says why (e.g. no candidate passed its own gate)."""


@dataclass(frozen=True)
class Engine(Generic[T]):
    """One engine of a job for one request: ``run()`` gives its output, or None when it has nothing to offer
    (an engine that is not available is simply left out of the list)."""

    name: str
    run: Callable[[], T | None]


@dataclass(frozen=True)
class Attempt:
    """One engine's try: what happened, why it was not used, how long it took."""

    engine: str
    status: Status
    reasons: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.status in ("passed", "used_anyway")

    def describe(self) -> str:
        match self.status:
            case "failed_check":
                return f"{self.engine}: failed the checks: " + "; ".join(self.reasons)
            case "no_output":
                return f"{self.engine}: gave no text" + (f" ({'; '.join(self.reasons)})" if self.reasons else "")
            case _:
                return f"{self.engine}: " + ("; ".join(self.reasons) or self.status)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The output used, the engine that wrote it, its check, and every attempt in order."""

    value: T
    engine: str
    check: Any
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)

    @property
    def rejected(self) -> tuple[Attempt, ...]:
        return tuple(a for a in self.attempts if not a.accepted)

    @property
    def fallback(self) -> bool:
        """True when an engine before the one used was tried and rejected."""
        return bool(self.rejected)

    @property
    def reason(self) -> str | None:
        """Why the engines before the one used were rejected (None when none was)."""
        return "; ".join(a.describe() for a in self.rejected) or None

    def tried(self, name: str) -> bool:
        return any(a.engine == name for a in self.attempts)


def is_timeout(exc: BaseException) -> bool:
    """A timeout, or an engine's own error raised from one."""
    while exc is not None:
        if isinstance(exc, TimeoutError):
            return True
        exc = exc.__cause__
    return False


def error_reason(exc: BaseException) -> str:
    """Our own errors say what happened in words; anything else is named by its type."""
    text = str(exc).strip()
    name = type(exc).__name__
    if text and (type(exc).__module__.startswith("app.") or is_timeout(exc)):
        return text
    return f"{name}: {text}" if text else name


def first_passing(
    engines: Sequence[Engine[T]],
    check: Callable[[str, T], CheckResult],
    *,
    last_resort: Engine[T],
    last_resort_check: Callable[[str, T], CheckResult] | None = None,
    job: str = "job",
    clock: Callable[[], float] = time.perf_counter,
) -> Outcome[T]:
    """The first engine whose output passes ``check(engine_name, output)``, else ``last_resort``'s output.

    An engine's exceptions never escape (they are recorded, and the next engine answers); the last
    resort's do, since it is our own code and there is nothing after it.
    """
    attempts: list[Attempt] = []
    for engine in engines:
        started = clock()
        try:
            output = engine.run()
        except NoOutput as exc:
            attempts.append(Attempt(engine.name, "no_output", tuple(filter(None, [str(exc)])), clock() - started))
            continue
        except Exception as exc:  # any engine failure: the next engine answers
            status: Status = "timeout" if is_timeout(exc) else "error"
            attempts.append(Attempt(engine.name, status, (error_reason(exc),), clock() - started))
            log.warning("%s: engine %s %s: %s", job, engine.name, status, error_reason(exc))
            continue
        if output is None or (isinstance(output, str) and not output.strip()):
            attempts.append(Attempt(engine.name, "no_output", (), clock() - started))
            continue
        verdict = check(engine.name, output)
        seconds = clock() - started
        if verdict.passed:
            attempts.append(Attempt(engine.name, "passed", (), seconds))
            return Outcome(output, engine.name, verdict, tuple(attempts))
        attempts.append(Attempt(engine.name, "failed_check", tuple(verdict.reasons), seconds))
        log.info("%s: engine %s rejected (%d failed checks)", job, engine.name, len(verdict.reasons))
    started = clock()
    output = last_resort.run()
    if output is None:
        raise RuntimeError(f"{job}: the last-resort engine {last_resort.name!r} gave no output")
    verdict = (last_resort_check or check)(last_resort.name, output)
    status = "passed" if verdict.passed else "used_anyway"
    attempts.append(Attempt(last_resort.name, status, tuple(verdict.reasons), clock() - started))
    return Outcome(output, last_resort.name, verdict, tuple(attempts))
