"""Answers written by our own code from retrieved passages: no LLM needed.

The question's form decides the shape: a first sentence that answers it directly (a duration for
"how long", yes or no with the reason for "should I", a definition for "what is"), then at most two
supporting points. Every sentence is taken, or condensed, from a passage and cites it as ``[n]``;
the sources are one card per article, in citation order.
"""

from __future__ import annotations

import math
import re

import numpy as np
from dataclasses import dataclass, replace
from typing import Sequence

from app.answer.forms import QuestionForm, classify
from app.knowledge.expansion import QueryExpander
from app.backends.vector_index import Passage
from app.knowledge.sentences import clean_text, quotable_sentences, unpack_vectors
from app.prompts import PromptLibrary
from app.text_utils import content_words

MAX_SUPPORT = 2
MAX_WORDS = 120
_DURATION = re.compile(
    r"\b(?:(?:at least|about|around|another|a further|half an?|an?|\d+|one|two|three|five|ten|fifteen|twenty|thirty)\s*(?:-|\s)?\s*(?:or \w+ )?(?:minutes?|hours?|days?|weeks?|months?|years?))\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(not enough|is not|isn't|too short|too long)\b", re.I)
_FREQUENCY = re.compile(r"\b(every|each (day|week|evening)|daily|weekly|regularly|again and again|repeatedly|ongoing|continual)\b", re.I)
_DEFINES = re.compile(r"\b(is|are|means|refers to|is the name|describes?)\b", re.I)
_CAUSE = re.compile(r"\b(because|driven by|fear|comes? from|usually|rarely|not from|is a way|out of|feels?|anxiety|overwhelm\w*|flooded)\b", re.I)
_NORMAL = re.compile(r"\b(normal|common|many (couples|people)|natural|most people|everyone|human|not alone|plenty of)\b", re.I)
_ADVICE = re.compile(r"^(ask|say|use|name|invite|breathe|pause|offer|listen|share|come|give|try|start|describe|keep|find)\b|\b(can|suggests?|recommends?|advises?|try|instead of|helps?|works? better)\b", re.I)
_AGAINST = re.compile(r"\b(avoid|instead of|rather than|push(es)? \w+ (\w+ )?away|more withdrawal|tends to push|try(ing)? hard not|is not enough|usually is not|cautions? against|do(es)? not need)\b", re.I)
_FOR = re.compile(r"\b(recommends?|suggests?|helps?|can help|worthwhile|meaningful|no wrong place|works? better|is the heart|builds?|eases?)\b", re.I)
# words that ask for the answer's form rather than name its subject: they should not pick the sentence
_FORM_WORDS = content_words("happen happens happened normal common usual typical should long often mean means meaning defined explain reason okay time wrong bad good idea")
_TERM = re.compile(r"\bwhat(?:'s| is| are| does)\s+(?:an?\s+|the\s+)?(.+?)(?:\s+mean)?\s*\??$", re.I)


@dataclass(frozen=True)
class Sentence:
    text: str  # clean, condensed, ends with . ! or ?
    passage: Passage
    position: int  # order within the passage
    similarity: float = 0.0  # cosine to the question, when the index holds the sentence's vector


def sentences_of(passage: Passage, query_vector=None) -> list[Sentence]:
    found = quotable_sentences(passage.text, passage.title, passage.section)
    vectors = unpack_vectors(passage.sentence_vectors, len(found)) if query_vector is not None and passage.sentence_count == len(found) else None
    if vectors is None:
        return [Sentence(text, passage, position) for position, text in found]
    similarities = vectors @ np.asarray(query_vector, dtype=np.float32)
    return [Sentence(text, passage, position, float(sim)) for (position, text), sim in zip(found, similarities)]


@dataclass(frozen=True)
class ComposerWeights:
    similarity: float = 1.0  # cosine of sentence and question
    overlap: float = 0.0  # shared meaning words (rarer count more)
    form: float = 0.1  # fits the question's form
    rank: float = 0.3  # comes from a passage ranked high
    support_ratio: float = 0.6  # a supporting sentence scores at least this share of the lead's


@dataclass(frozen=True)
class Composition:
    text: str
    sources: list[Passage]  # one per article, in citation order; each with its excerpt
    form: QuestionForm


# forms whose first sentence must carry the answer's shape (when a good sentence has it)
_LEAD_MUST_FIT = {QuestionForm.HOW_LONG, QuestionForm.HOW_OFTEN, QuestionForm.WHAT_IS, QuestionForm.WHAT_HAPPENS}
# forms whose answer has a definite shape (a duration, an outcome, a definition) lean harder on it
_FORM_STRENGTH = {QuestionForm.HOW_LONG: 3.0, QuestionForm.WHAT_HAPPENS: 3.0, QuestionForm.WHAT_IS: 3.0}


def _form_fit(form: QuestionForm, sentence: str, term_words: set[str], subject: set[str] = frozenset()) -> float:
    """How well a sentence has the shape the question's form asks for (0..1)."""
    match form:
        case QuestionForm.WHAT_HAPPENS:
            # "What happens if the pursuer stops?" -> "If/When the pursuer eases off, ...": a condition that names the subject
            if not re.match(r"(when|if|as soon as|once)\b", sentence, re.I):
                return 0.0
            condition = content_words(sentence.split(",")[0])
            return 1.0 if len(condition & subject) >= 2 else 0.3
        case QuestionForm.HOW_LONG:
            if not _DURATION.search(sentence):
                return 0.0
            return 0.0 if _NEGATED.search(sentence) else 1.0
        case QuestionForm.HOW_OFTEN:
            return 1.0 if _FREQUENCY.search(sentence) else 0.0
        case QuestionForm.WHAT_IS:
            head = content_words(" ".join(sentence.split()[:7]))
            return 1.0 if term_words and term_words <= head | content_words(sentence) and head & term_words and _DEFINES.search(" ".join(sentence.split()[:12])) else 0.0
        case QuestionForm.WHY:
            return 1.0 if _CAUSE.search(sentence) else 0.0
        case QuestionForm.IS_NORMAL:
            return 1.0 if _NORMAL.search(sentence) else 0.0
        case QuestionForm.SHOULD_I | QuestionForm.WHAT_CAN_I_DO:
            return 1.0 if _ADVICE.search(sentence) else 0.0
    return 0.0


class SentenceScorer:
    """Scores candidate sentences for one question: meaning words shared (rarer words count more),
    the rank of the passage they come from, and how well they fit the question's form."""

    def __init__(self, question: str, form: QuestionForm, sentences: Sequence[Sentence], ranks: dict[str, int], expander: QueryExpander | None, weights: ComposerWeights):
        self.form = form
        self.asked = content_words(question) - _FORM_WORDS
        self.related = content_words(" ".join(expander.related(question))) - self.asked if expander else set()
        match = _TERM.search(question.strip())
        self.term_words = content_words(match.group(1)) if match and form is QuestionForm.WHAT_IS else set()
        self.words = {id(s): content_words(s.text) for s in sentences}
        count = max(len(sentences), 1)
        frequency: dict[str, int] = {}
        for words in self.words.values():
            for word in words:
                frequency[word] = frequency.get(word, 0) + 1
        self.weight = {w: math.log(1 + count / frequency.get(w, 1)) for w in self.asked | self.related}
        self.ranks = ranks
        self.weights = weights
        self.norm = sum(self.weight.get(w, 0.0) for w in self.asked) or 1.0

    def overlap(self, sentence: Sentence) -> float:
        words = self.words[id(sentence)]
        found = sum(self.weight[w] for w in words & self.asked) + 0.25 * sum(self.weight[w] for w in words & self.related)
        return min(found / self.norm, 1.0)

    def fit(self, sentence: Sentence) -> float:
        return _form_fit(self.form, sentence.text, self.term_words, self.asked | self.related)

    def score(self, sentence: Sentence) -> float:
        rank = self.ranks.get(sentence.passage.chunk_id, 9)
        w = self.weights
        return (
            w.similarity * sentence.similarity
            + w.overlap * self.overlap(sentence)
            + w.form * _FORM_STRENGTH.get(self.form, 1.0) * self.fit(sentence)
            + w.rank / (1 + rank)
            - 0.005 * sentence.position
        )


def _cite(sentence: str, number: int) -> str:
    end = sentence[-1] if sentence[-1] in ".!?" else "."
    return f"{sentence.rstrip('.!?')} [{number}]{end}"


def _similar(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.6


def _lead_in(form: QuestionForm, lead: Sentence, chosen: Sequence[Sentence]) -> str:
    """A few words that answer the question's form before the lead sentence gives the reason or detail."""
    match form:
        case QuestionForm.HOW_LONG:
            duration = _DURATION.search(lead.text)
            if duration and not _NEGATED.search(lead.text) and lead.text.lower().find(duration.group(0).lower()) > 0:
                phrase = duration.group(0)
                at_least = "at least" in lead.text.lower() and not phrase.lower().startswith("at least")
                return ("At least " if at_least else "") + (phrase if at_least else phrase[0].upper() + phrase[1:]) + "."
        case QuestionForm.SHOULD_I:
            if _AGAINST.search(lead.text):
                return "Probably not."
            if _FOR.search(lead.text):
                return "Often, yes."
        case QuestionForm.IS_NORMAL:
            if any(_NORMAL.search(s.text) for s in chosen):
                return "Yes, it is common."
    return ""


class AnswerComposer:
    def __init__(self, prompts: PromptLibrary, expander: QueryExpander | None = None, *, weights: ComposerWeights = ComposerWeights(), max_words: int = MAX_WORDS):
        self.prompts = prompts
        self.expander = expander
        self.weights = weights
        self.max_words = max_words

    def compose(self, question: str, passages: Sequence[Passage], query_vector: Sequence[float] | None = None) -> Composition:
        """An answer in the question's form from ``passages`` (fused order, best first)."""
        form = classify(question)
        ranks = {p.chunk_id: rank for rank, p in enumerate(passages)}
        candidates = [s for p in passages for s in sentences_of(p, query_vector)]
        if not candidates:  # nothing quotable: the best passage's opening, cleaned
            passage = passages[0]
            text = " ".join(clean_text(passage.text).split()[:60])
            card = replace(passage, text=clean_text(passage.text), excerpt=text)
            return Composition(_cite(text, 1), [card], form)
        scorer = SentenceScorer(question, form, candidates, ranks, self.expander, self.weights)
        ordered = sorted(candidates, key=scorer.score, reverse=True)
        lead = ordered[0]
        if form in _LEAD_MUST_FIT:  # the first sentence must have the form's shape when a good one does
            fitting = [s for s in ordered if scorer.fit(s) >= 1.0 and scorer.score(s) >= 0.6 * scorer.score(lead)]
            lead = fitting[0] if fitting else lead
            ordered = [lead, *(s for s in ordered if s is not lead)]
        chosen = [lead]
        floor = self.weights.support_ratio * scorer.score(lead)
        eligible = [
            s for s in ordered[1:]
            if scorer.score(s) >= floor and (scorer.overlap(s) > 0 or s.similarity >= 0.35)
        ]
        # one passage per article unless a second adds something: the supports come from other articles
        # (the best sentence of each) when they qualify, and only then from the lead's article again
        others, seen = [], {lead.passage.source_id}
        for sentence in eligible:
            if sentence.passage.source_id not in seen:
                seen.add(sentence.passage.source_id)
                others.append(sentence)
        for sentence in [*others[:MAX_SUPPORT], *eligible]:
            if len(chosen) > MAX_SUPPORT:
                break
            if sentence in chosen or any(_similar(scorer.words[id(sentence)], scorer.words[id(other)]) for other in chosen):
                continue
            chosen.append(sentence)
        # the reading order: lead first, supports of the lead's passage in their own order, then the rest
        supports = sorted(chosen[1:], key=lambda s: (s.passage.source_id != lead.passage.source_id, ranks.get(s.passage.chunk_id, 9), s.position))
        chosen = [lead, *supports]
        while len(chosen) > 1 and sum(len(s.text.split()) for s in chosen) > self.max_words:
            chosen.pop()
        return self._write(form, chosen, passages)

    def _write(self, form: QuestionForm, chosen: list[Sentence], passages: Sequence[Passage]) -> Composition:
        numbers: dict[str, int] = {}
        cards: dict[str, tuple[list[Passage], list[str]]] = {}
        parts = []
        lead_in = _lead_in(form, chosen[0], chosen)
        if lead_in:
            parts.append(lead_in)
        for sentence in chosen:
            article = sentence.passage.source_id or sentence.passage.title
            number = numbers.setdefault(article, len(numbers) + 1)
            parts.append(_cite(sentence.text, number))
            used, excerpt = cards.setdefault(article, ([], []))
            if sentence.passage not in used:
                used.append(sentence.passage)
            excerpt.append(sentence.text)
        # one card per article: its passage (both, when the answer quotes two of its passages), named once
        sources = [
            replace(
                used[0],
                text=" … ".join(clean_text(p.text) for p in used),
                source=cited_source(replace(used[0], text=" ".join(p.text for p in used))),
                excerpt=" ".join(excerpt),
            )
            for used, excerpt in cards.values()
        ]
        return Composition(" ".join(parts), sources, form)

    def not_covered(self, question: str) -> str:
        return self.prompts.get("answer_not_covered").strip()


def cited_source(passage: Passage) -> str:
    """The article's source, each name once; narrowed to those the passage names, when it names any."""
    parts = list(dict.fromkeys(part.strip() for part in passage.source.split(";") if part.strip()))
    named = [part for part in parts if _short_name(part) and _short_name(part).lower() in passage.text.lower()]
    return "; ".join(named or parts)


def _short_name(part: str) -> str:
    """"Alejandra P., M.A., LMFT" -> "Alejandra P"; "Why We Chase blog post (anonymous)" -> "Why We Chase"."""
    words = re.split(r"[ ,]+", part.replace(" blog post", ",").strip())
    return " ".join(words[:3] if part.lower().startswith("why we chase") else words[:2]).rstrip(".")
