"""Hybrid retrieval: the dense ranking (Chroma) and the lexical one (BM25) fused by reciprocal rank.

``candidates`` does the costly work once per question (one embedding, one Chroma query, one BM25
query); ``rank`` and ``relevant`` are cheap and take their parameters, so cross-validation can try
many settings on the same candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from app.knowledge.expansion import QueryExpander
from app.backends.vector_index import KnowledgeIndex, Passage
from app.knowledge.lexical import LexicalHit, LexicalIndex
from app.knowledge.lexical import LexicalHit, LexicalIndex, tokens
from app.knowledge.sentences import unpack_vectors


@dataclass(frozen=True)
class RetrievalParams:
    candidates: int = 20  # how many chunks each ranking contributes
    rrf_k: float = 10.0  # reciprocal-rank fusion constant
    dense_weight: float = 0.5
    lexical_weight: float = 1.0
    min_dense: float = 0.40  # best chunk cosine below which the question is not covered...
    min_sentence: float = 0.40  # ...unless one sentence of the fused passages is this close to the question
    passages: int = 4  # fused passages handed to the composer
    per_article: int = 2  # of which at most this many from one article
    related_weight: float = 0.4  # weight of the glossary's synonyms against the question's own words
    # the coverage model: weights of COVERAGE_FEATURES, then the bias (a logistic model fitted by
    # ``softstart eval ask --tune``); empty: the two thresholds above decide alone
    coverage: tuple[float, ...] = ()
    min_coverage: float = 0.5  # the model's probability at or above which the question is covered


# what the coverage model reads of a question's candidates (see coverage_features)
COVERAGE_FEATURES = ("best_dense", "mean_dense_top3", "best_sentence", "log_lexical", "own_lexical")


@dataclass(frozen=True)
class Candidates:
    question: str
    dense: list[Passage]  # by cosine, best first
    lexical: list[LexicalHit]  # by BM25, best first
    passages: dict[str, Passage] = field(default_factory=dict)  # every candidate, scored by cosine
    vector: list[float] | None = None  # the question's embedding
    own_lexical: float = 0.0  # best BM25 score for the question's own words (no synonyms)
    own_tokens: int = 0  # how many meaning words the question has

    @property
    def best_dense(self) -> float:
        return self.dense[0].score if self.dense else -1.0

    @property
    def best_lexical(self) -> float:
        return self.lexical[0].score if self.lexical else 0.0


@dataclass(frozen=True)
class Retrieval:
    passages: list[Passage]  # fused order, best first; empty when not relevant
    relevant: bool
    candidates: Candidates


def fuse(candidates: Candidates, params: RetrievalParams) -> list[Passage]:
    """Reciprocal-rank fusion of the two rankings, best first."""
    scores: dict[str, float] = {}
    for rank, passage in enumerate(candidates.dense):
        scores[passage.chunk_id] = scores.get(passage.chunk_id, 0.0) + params.dense_weight / (params.rrf_k + rank + 1)
    for rank, hit in enumerate(candidates.lexical):
        scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + params.lexical_weight / (params.rrf_k + rank + 1)
    order = sorted(scores, key=lambda chunk_id: -scores[chunk_id])
    fused, per_article = [], {}
    for chunk_id in order:
        passage = candidates.passages.get(chunk_id)
        if passage is None or per_article.get(passage.source_id, 0) >= params.per_article:
            continue
        per_article[passage.source_id] = per_article.get(passage.source_id, 0) + 1
        fused.append(passage)
    return fused


def best_sentence(candidates: Candidates, passages: list[Passage]) -> float:
    """The highest cosine between the question and one quotable sentence of these passages (-1 if none)."""
    if candidates.vector is None:
        return -1.0
    query = np.asarray(candidates.vector, dtype=np.float32)
    best = -1.0
    for passage in passages:
        vectors = unpack_vectors(passage.sentence_vectors, passage.sentence_count)
        if vectors is not None:
            best = max(best, float((vectors @ query).max()))
    return best


def coverage_features(candidates: Candidates, params: RetrievalParams) -> list[float]:
    """The evidence that the knowledge base covers a question, in COVERAGE_FEATURES order: the best chunk's
    cosine, the mean of the best three, the best sentence's cosine, the best BM25 score (log, with
    synonyms) and the best BM25 score for the question's own words per meaning word (log)."""
    dense = [p.score for p in candidates.dense[:3]] or [-1.0]
    return [
        candidates.best_dense,
        sum(dense) / len(dense),
        best_sentence(candidates, fuse(candidates, params)[: params.passages]),
        math.log1p(max(candidates.best_lexical, 0.0)),
        math.log1p(max(candidates.own_lexical, 0.0)) / math.sqrt(max(candidates.own_tokens, 1)),
    ]


def coverage(candidates: Candidates, params: RetrievalParams) -> float:
    """The coverage model's probability that the knowledge base answers the question."""
    features = coverage_features(candidates, params)
    *weights, bias = params.coverage
    z = bias + sum(w * f for w, f in zip(weights, features))
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def is_relevant(candidates: Candidates, params: RetrievalParams) -> bool:
    """Whether the knowledge base covers the question at all. With a coverage model: its probability is
    at least ``min_coverage``. Without one: a chunk close enough as a whole, or one sentence of the best
    passages close enough (short questions match a sentence better than a chunk)."""
    if len(params.coverage) == len(COVERAGE_FEATURES) + 1:
        return coverage(candidates, params) >= params.min_coverage
    if candidates.best_dense >= params.min_dense:
        return True
    return best_sentence(candidates, fuse(candidates, params)[: params.passages]) >= params.min_sentence


class HybridRetriever:
    def __init__(self, index: KnowledgeIndex, lexical: LexicalIndex | None, expander: QueryExpander | None, params: RetrievalParams):
        self.index = index
        self.lexical = lexical  # None: dense only
        self.expander = expander
        self.params = params

    def candidates(self, question: str) -> Candidates:
        vector = self.index.embedder.embed_query(question)
        dense = self.index.search(question, k=self.params.candidates, query_vector=vector)
        lexical: list[LexicalHit] = []
        own, own_tokens = 0.0, len(tokens(question))
        if self.lexical is not None:
            own = self.lexical.best(question)
            related = " ".join(self.expander.related(question)) if self.expander else ""
            lexical = self.lexical.search(question, k=self.params.candidates, related=related, related_weight=self.params.related_weight)
        passages = {p.chunk_id: p for p in dense}
        missing = [hit.chunk_id for hit in lexical if hit.chunk_id not in passages]
        passages.update({p.chunk_id: p for p in self.index.get(missing, query_vector=vector)})
        return Candidates(question, dense, lexical, passages, vector, own, own_tokens)

    def retrieve(self, question: str, params: RetrievalParams | None = None) -> Retrieval:
        params = params or self.params
        found = self.candidates(question)
        if not is_relevant(found, params):
            return Retrieval([], False, found)
        return Retrieval(fuse(found, params)[: params.passages], True, found)
