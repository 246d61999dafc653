"""Measures of /v1/ask on a labelled question set (``softstart eval ask --questions FILE``).

Each line of the JSONL file is a question: ``{"question": ..., "in_scope": true, "articles": [...],
"key_facts": [...]}`` (``articles`` name the article files or titles that answer it, any one will do;
``key_facts`` are short phrases, any one of which the answer should state). Out-of-scope lines have
``"in_scope": false``. The measures are those of issue 17: the right article among the sources, the
key fact in the answer, out-of-scope declined, in-scope wrongly declined, no duplicate article, no
Markdown, at most 150 words; then the ten worst answers.

This module needs only an ``answer(question)`` callable returning an object with ``answer``,
``grounded`` and ``sources`` (each with ``source_id``, ``title`` and ``text``), so the same measures
can be taken of any version of the answerer.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from app.text_utils import STOP_WORDS, stem

DEFAULT_QUESTIONS = Path("tests") / "data" / "ask_tuning_questions.jsonl"  # from the checkout (the current directory)
MAX_WORDS = 150
_WORD = re.compile(r"[a-z0-9]+")
_NUMBERS = {"twenty": "20", "thirty": "30", "ten": "10", "fifteen": "15", "five": "5", "two": "2", "three": "3", "one": "1", "half": "30"}
_MARKDOWN = re.compile(r"\*\*|__|`|^\s*#+\s|^\s*[-*•]\s+\S|\[[^\]]+\]\([^)]*\)|(?<!\w)\*[^*\s][^*]*\*(?!\w)", re.MULTILINE)
_NOT_MARKDOWN_CITATION = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    in_scope: bool
    articles: list[str] = field(default_factory=list)
    key_facts: list[str] = field(default_factory=list)
    key_terms: list[str] = field(default_factory=list)  # optional: words the answer should contain, all of them


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def load_questions(path: Path) -> list[LabelledQuestion]:
    """Read the JSONL set; tolerant of a few spellings of the field names."""
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = row.get("question") or row.get("q") or row.get("text")
        if not text:
            raise ValueError(f"{path}:{number}: no question")
        scope = row.get("in_scope", row.get("scope", True))
        if isinstance(scope, str):
            scope = scope.lower() in {"in", "in_scope", "in-scope", "true", "yes"}
        if row.get("out_of_scope") is True:
            scope = False
        articles = _as_list(row.get("articles") or row.get("article") or row.get("expected_articles"))
        facts = _as_list(row.get("key_facts") or row.get("key_fact") or row.get("facts") or row.get("fact"))
        questions.append(LabelledQuestion(str(text), bool(scope), articles, facts, _as_list(row.get("key_terms"))))
    return questions


def words(text: str) -> list[str]:
    return [stem(_NUMBERS.get(w, w)) for w in _WORD.findall(text.lower().replace("\u2019", "'").replace("'", ""))]


def meaning_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP_WORDS and (len(w) > 2 or w.isdigit())}


def fact_stated(fact: str, answer: str) -> bool:
    """Most (60%, rounded up) of the fact's meaning words appear in the answer."""
    wanted = meaning_words(fact)
    if not wanted:
        return fact.lower() in answer.lower()
    return len(wanted & meaning_words(answer)) >= math.ceil(0.6 * len(wanted))


def _slug(text: str) -> str:
    text = text.lower().rsplit("/", 1)[-1]
    text = re.sub(r"\.(md|markdown|txt|html?)$", "", text)
    return "-".join(_WORD.findall(text))


def article_matches(label: str, source) -> bool:
    wanted = _slug(label)
    if not wanted:
        return False
    names = {_slug(getattr(source, "source_id", "") or ""), _slug(getattr(source, "title", "") or "")}
    return any(name and (name == wanted or wanted in name or name in wanted) for name in names)


def has_markdown(text: str) -> bool:
    return bool(_MARKDOWN.search(_NOT_MARKDOWN_CITATION.sub("", text)))


@dataclass
class Outcome:
    item: LabelledQuestion
    answer: str
    grounded: bool
    sources: list
    article_found: bool = False
    fact_found: bool = False
    terms_found: bool = False
    duplicate: bool = False
    markdown: bool = False
    too_long: bool = False

    @property
    def problems(self) -> list[str]:
        found = []
        if self.item.in_scope:
            if not self.grounded:
                found.append("declined")
            else:
                if self.item.articles and not self.article_found:
                    found.append("wrong article")
                if self.item.key_facts and not self.fact_found:
                    found.append("key fact missing")
        elif self.grounded:
            found.append("out of scope answered")
        found += [name for name, bad in (("duplicate article", self.duplicate), ("markdown", self.markdown), ("over 150 words", self.too_long)) if bad]
        return found

    @property
    def badness(self) -> int:
        weights = {"out of scope answered": 5, "declined": 4, "wrong article": 3, "key fact missing": 2}
        return sum(weights.get(p, 1) for p in self.problems)


def judge(item: LabelledQuestion, result) -> Outcome:
    sources = list(getattr(result, "sources", []) or [])
    text = str(result.answer)
    outcome = Outcome(item, text, bool(result.grounded), sources)
    outcome.article_found = any(article_matches(label, s) for label in item.articles for s in sources)
    outcome.fact_found = any(fact_stated(fact, text) for fact in item.key_facts)
    answer_words = meaning_words(text) | set(words(text))
    outcome.terms_found = all(set(words(term)) <= answer_words for term in item.key_terms)
    ids = [getattr(s, "source_id", "") or getattr(s, "title", "") for s in sources]
    outcome.duplicate = len(ids) != len(set(ids))
    outcome.markdown = has_markdown(text) or any(has_markdown(str(getattr(s, "text", ""))) for s in sources)
    outcome.too_long = len(text.split()) > MAX_WORDS
    return outcome


def evaluate(questions: Iterable[LabelledQuestion], answer: Callable[[str], object]) -> list[Outcome]:
    return [judge(item, answer(item.question)) for item in questions]


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson 95% interval of k successes in n trials ((0, 1) when n is 0)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def counts(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """(successes, trials) of the four headline measures, for their intervals."""
    inside = [o for o in outcomes if o.item.in_scope]
    outside = [o for o in outcomes if not o.item.in_scope]

    def count(items, test) -> tuple[int, int]:
        return (sum(1 for o in items if test(o)), len(items))

    return {
        "right_article": count([o for o in inside if o.item.articles], lambda o: o.grounded and o.article_found),
        "key_fact": count([o for o in inside if o.item.key_facts], lambda o: o.grounded and o.fact_found),
        "out_of_scope_declined": count(outside, lambda o: not o.grounded),
        "in_scope_declined": count(inside, lambda o: not o.grounded),
    }


def figures(outcomes: list[Outcome]) -> dict[str, float]:
    inside = [o for o in outcomes if o.item.in_scope]
    outside = [o for o in outcomes if not o.item.in_scope]
    answered = [o for o in inside if o.grounded]

    def share(items, test) -> float:
        return round(sum(1 for o in items if test(o)) / len(items), 4) if items else float("nan")

    return {
        "questions": len(outcomes),
        "in_scope": len(inside),
        "out_of_scope": len(outside),
        "right_article": share([o for o in inside if o.item.articles], lambda o: o.grounded and o.article_found),
        "key_fact": share([o for o in inside if o.item.key_facts], lambda o: o.grounded and o.fact_found),
        "key_terms_all": share([o for o in inside if o.item.key_terms], lambda o: o.grounded and o.terms_found),
        "out_of_scope_declined": share(outside, lambda o: not o.grounded),
        "in_scope_declined": share(inside, lambda o: not o.grounded),
        "duplicate_article": share(outcomes, lambda o: o.duplicate),
        "markdown": share(outcomes, lambda o: o.markdown),
        "over_150_words": share(outcomes, lambda o: o.too_long),
        "median_words": sorted(len(o.answer.split()) for o in answered)[len(answered) // 2] if answered else 0,
    }


TARGETS = {
    "right_article": (">=", 0.95),
    "key_fact": (">=", 0.90),
    "out_of_scope_declined": (">=", 1.0),
    "in_scope_declined": ("<=", 0.02),
    "duplicate_article": ("<=", 0.0),
    "markdown": ("<=", 0.0),
    "over_150_words": ("<=", 0.0),
}


def meets(name: str, value: float) -> bool:
    op, target = TARGETS[name]
    return value >= target if op == ">=" else value <= target


def report(outcomes: list[Outcome], out=sys.stdout, worst: int = 10) -> dict[str, float]:
    measured = figures(outcomes)
    tallies = counts(outcomes)
    print(f"{measured['questions']} questions ({measured['in_scope']} in scope, {measured['out_of_scope']} out of scope)", file=out)
    for name, value in measured.items():
        if name in TARGETS:
            op, target = TARGETS[name]
            mark = "ok  " if meets(name, value) else "MISS"
            interval = ""
            if name in tallies:
                k, n = tallies[name]
                lo, hi = wilson(k, n)
                interval = f"  {k:3d}/{n:<3d} 95% CI [{lo:5.1%}, {hi:5.1%}]"
            print(f"  {mark} {name:24s} {value:7.1%}{interval}   (target {op} {target:.0%})", file=out)
    if measured["key_terms_all"] == measured["key_terms_all"]:  # not NaN: the set has key terms
        print(f"       key terms all in answer  {measured['key_terms_all']:7.1%}   (secondary: every labelled key term appears)", file=out)
    print(f"       median words (answered) {measured['median_words']}", file=out)
    ranked = sorted((o for o in outcomes if o.problems), key=lambda o: -o.badness)[:worst]
    if ranked:
        print(f"\nThe {len(ranked)} worst answers:", file=out)
    for outcome in ranked:
        cited = ", ".join(_slug(getattr(s, "source_id", "") or s.title) for s in outcome.sources) or "none"
        print(f"\n- Q: {outcome.item.question}\n  problems: {', '.join(outcome.problems)}; expected: {', '.join(outcome.item.articles) or 'decline'}"
              f"{' / ' + ' | '.join(outcome.item.key_facts) if outcome.item.key_facts else ''}\n  cited: {cited}\n  A: {' '.join(outcome.answer.split())[:400]}", file=out)
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure /v1/ask on a labelled question set.")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures and every answer to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    from app.services import build_services
    from app.settings import Settings

    services = build_services(Settings())
    if services.answerer is None:
        print(f"the knowledge index is not ready: {services.index_status.detail}", file=sys.stderr)
        return 2
    outcomes = evaluate(load_questions(args.questions), services.answerer.answer)
    measured = report(outcomes)
    if args.json:
        write_json(args.json, measured, outcomes)
    return 1 if args.strict and not all(meets(n, measured[n]) for n in TARGETS) else 0


def write_json(path: Path, measured: dict, outcomes: list[Outcome]) -> None:
    rows = [
        {
            "question": o.item.question,
            "answer": o.answer,
            "grounded": o.grounded,
            "sources": [{"source_id": getattr(s, "source_id", ""), "title": s.title, "source": getattr(s, "source", "")} for s in o.sources],
            "problems": o.problems,
        }
        for o in outcomes
    ]
    intervals = {name: {"k": k, "n": n, "wilson95": [round(b, 4) for b in wilson(k, n)]} for name, (k, n) in counts(outcomes).items()}
    Path(path).write_text(json.dumps({"figures": measured, "intervals": intervals, "answers": rows}, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
