"""Hybrid retrieval: the dense ranking (Chroma) and the lexical one (BM25) fused by reciprocal rank.

``candidates`` does the costly work once per question (one embedding, one Chroma query, one BM25
query); ``rank`` and ``relevant`` are cheap and take their parameters, so cross-validation can try
many settings on the same candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.knowledge.expansion import QueryExpander
from app.knowledge.index import KnowledgeIndex, Passage
from app.knowledge.lexical import LexicalHit, LexicalIndex


@dataclass(frozen=True)
class RetrievalParams:
    candidates: int = 20  # how many chunks each ranking contributes
    rrf_k: float = 60.0  # reciprocal-rank fusion constant
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    min_dense: float = 0.28  # best cosine below which the question is not covered...
    min_lexical: float = 99.0  # ...unless the best BM25 score reaches this and the cosine reaches min_dense_with_lexical
    min_dense_with_lexical: float = 0.2
    passages: int = 6  # fused passages handed to the composer


@dataclass(frozen=True)
class Candidates:
    question: str
    dense: list[Passage]  # by cosine, best first
    lexical: list[LexicalHit]  # by BM25, best first
    passages: dict[str, Passage] = field(default_factory=dict)  # every candidate, scored by cosine

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
    return [candidates.passages[chunk_id] for chunk_id in order if chunk_id in candidates.passages]


def is_relevant(candidates: Candidates, params: RetrievalParams) -> bool:
    """Whether the knowledge base covers the question at all."""
    if candidates.best_dense >= params.min_dense:
        return True
    return candidates.best_lexical >= params.min_lexical and candidates.best_dense >= params.min_dense_with_lexical


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
        if self.lexical is not None:
            query = self.expander.expand(question) if self.expander else question
            lexical = self.lexical.search(query, k=self.params.candidates)
        passages = {p.chunk_id: p for p in dense}
        missing = [hit.chunk_id for hit in lexical if hit.chunk_id not in passages]
        passages.update({p.chunk_id: p for p in self.index.get(missing, query_vector=vector)})
        return Candidates(question, dense, lexical, passages)

    def retrieve(self, question: str, params: RetrievalParams | None = None) -> Retrieval:
        params = params or self.params
        found = self.candidates(question)
        if not is_relevant(found, params):
            return Retrieval([], False, found)
        return Retrieval(fuse(found, params)[: params.passages], True, found)
