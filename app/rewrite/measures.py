"""The issue-13 measures for one rewrite: specifics kept, request kept, nothing invented, soft,
complete (feeling + request, or pause + return), right perspective, readable.

Pure functions over a ``Parser`` (lemmas, entities) and callables passed in (the harsh detector,
the fluency scorer); ``evals.rewrite_blind`` runs them over a blind set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from app.rewrite.message_parser import Parser
from app.rewrite.checks import break_problems, has_first_person_feeling, has_request

STOP = set(
    """a an the my your our his her their its this that these those to of in on at for with by from and or but
    is are was were be been am i you he she they we it me him them us up out about over just so not no do did
    does have has had will would can could should 's 'm 're 've 'd n't""".split()
)
_BREAK_TIME = re.compile(r"\b\d+(?:[- ]minutes?|[- ]minute)\b|\b(?:twenty|thirty|forty-five|half an hour)\b", re.I)
_FALSE_CONFESSION = re.compile(
    r"\b(?:you(?:'re| are) right,? i (?:forgot|did|was)|i forgot|it(?:'s| is| was) my fault|i(?:'m| am) sorry i forgot|"
    r"i should have remembered|my bad)\b", re.I)
_BROKEN = [
    (re.compile(r"\b(\w+) \1\b", re.I), "a doubled word"),
    (re.compile(r"\{\w+\}"), "an unfilled slot"),
    (re.compile(r"\b(?:a|an|the) (?:the|a|an|my|your)\b", re.I), "two determiners"),
    (re.compile(r"\b(?:when|about|with|to) [.,?]", re.I), "a preposition with nothing after it"),
    (re.compile(r"\b(?:When|when) (?:why|what|how|where|did|do|are|is)\b"), "a question inside a clause"),
    (re.compile(r"(?:^|[.?!] )[a-z]"), "a sentence starting in lower case"),
    (re.compile(r"\b(?:I|you) (?:is|has been|was been)\b"), "subject-verb disagreement"),
    (re.compile(r",\s*[,.]|\.\s*,"), "stray punctuation"),
]


@dataclass(frozen=True)
class Measured:
    specifics_kept: bool | None  # None when the row names no specifics
    missing: list[str]
    request_kept: bool | None  # None when the sender made no request
    invented: list[str]
    harsh: bool
    complete: bool
    perspective: bool | None  # None outside defend / mixed / partner_words
    broken: list[str]
    fluency: float | None  # mean log-probability per token (higher reads better), None without a scorer


def lemmas(parser: Parser, text: str) -> set[str]:
    return {t.lemma.lower() for t in parser.parse(text).tokens if t.pos != "PUNCT"} | {
        t.text.lower() for t in parser.parse(text).tokens}


def content_lemmas(parser: Parser, text: str) -> list[str]:
    return [t.lemma.lower() for t in parser.parse(text).tokens
            if t.pos not in ("PUNCT", "DET", "PRON", "ADP", "CCONJ", "SCONJ", "AUX", "PART") and t.lemma.lower() not in STOP
            and re.search(r"\w", t.text)]


def kept(parser: Parser, phrase: str, output_lemmas: set[str]) -> bool:
    """Every content word of ``phrase`` is in the output, by lemma or as written."""
    tokens = [t for t in parser.parse(phrase).tokens
              if t.pos not in ("PUNCT", "DET", "PRON", "ADP", "CCONJ", "SCONJ", "AUX", "PART") and t.lemma.lower() not in STOP
              and re.search(r"\w", t.text)]
    if not tokens:
        return all(w.lower() in output_lemmas for w in re.findall(r"\w+", phrase))
    return all(t.lemma.lower() in output_lemmas or t.text.lower() in output_lemmas for t in tokens)


def invented(parser: Parser, source: str, output: str) -> list[str]:
    """Names, places, dates, numbers and proper nouns in ``output`` that ``source`` does not have (break times excepted)."""
    src = source.lower()
    src_lemmas = lemmas(parser, source)
    out = parser.parse(_BREAK_TIME.sub(" ", output))
    new = []
    for text, label in out.entities:
        if label in ("ORDINAL",):
            continue
        words = [w for w in re.findall(r"\w+", text.lower()) if w not in STOP]
        if words and not all(w in src or w in src_lemmas for w in words):
            new.append(text)
    for t in out.tokens:
        if t.pos == "PROPN" and t.text.lower() not in src and t.lemma not in src_lemmas and t.text not in ("I",) and t.text not in new:
            new.append(t.text)
    return new


def complete(output: str, category: str) -> bool:
    if category == "withdraw" and re.search(r"\b(?:break|pause)\b", output, re.I):
        return not break_problems(output)
    return has_first_person_feeling(output) and has_request(output) or (
        category == "partner_words" and has_request(output) and bool(re.search(r"\b(?:feel|feeling|hear|sounds)\b", output, re.I)))


def perspective(row: dict, output: str, kind: str) -> bool | None:
    category = row["category"]
    low = output.lower()
    if category == "defend":  # a confession counts as false only when the sender did not say it
        confessed = [m.group(0) for m in _FALSE_CONFESSION.finditer(low)]
        own = row["message"].lower().replace("’", "'")
        return not [c for c in confessed if c not in own] and not re.search(r"\bcould you help me\b", low)
    if category == "mixed":
        gentle = re.sub(r"\s+", " ", row.get("gentle_part") or "").strip().lower().rstrip(".!?")
        return bool(gentle) and gentle in re.sub(r"\s+", " ", low)
    if category == "partner_words":
        partner = row.get("partner_message") or ""
        harsh_bits = [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", partner) if len(s.split()) >= 4]
        return kind == "reply" and not any(b.rstrip(".!?") in low for b in harsh_bits)
    return None


def broken(output: str) -> list[str]:
    return [why for pattern, why in _BROKEN if pattern.search(output)]


def measure(row: dict, output: str, kind: str, *, parser: Parser, is_harsh: Callable[[str], bool],
            fluency: Callable[[str], float] | None = None) -> Measured:
    out_lemmas = lemmas(parser, output)
    specifics = [s for s in row.get("specifics") or [] if s.strip()]
    missing = [s for s in specifics if not kept(parser, s, out_lemmas)]
    request = (row.get("request") or "").strip()
    if request:
        words = content_lemmas(parser, request)
        request_kept = bool(words) and sum(w in out_lemmas for w in words) / len(words) >= 0.75
    else:
        request_kept = None
    source = row["message"] + " " + (row.get("partner_message") or "")
    return Measured(
        specifics_kept=(not missing) if specifics else None,
        missing=missing,
        request_kept=request_kept,
        invented=invented(parser, source, output),
        harsh=is_harsh(output),
        complete=complete(output, row["category"]),
        perspective=perspective(row, output, kind),
        broken=broken(output),
        fluency=fluency(output) if fluency else None,
    )
