"""HybridScore: full-text and vector ranks fused (reciprocal rank fusion) in one query.

    Article.objects.annotate(score=HybridScore(
        Text("cold brew", path=["title", "body"]),
        VectorSearch("embedding", query_vector, limit=20),
    )).order_by("-score")[:10]

MongoDB runs one search stage per pipeline, first; the two searches meet through
``$unionWith`` (MongoDB's documented recipe for hybrid search): the pipeline opens with the
``$vectorSearch``, numbers its documents by rank, unions the ``$search``'s documents numbered
the same way, and groups by document. Each document scores
``vector_weight / (k + vector rank) + search_weight / (k + search rank)`` (ranks from 1; a
search that did not find the document adds nothing), highest first. ``k`` (60 by default, as
in the original paper) dampens the advantage of the first ranks.
"""

from django.db import NotSupportedError
from django.db.models import Expression, FloatField

from djongo_search.search import SearchCondition
from djongo_search.vector import VectorSearch, restrict

# Where the fused score is kept in each document, for the annotation to read.
SCORE_KEY = "__search_hybrid_score"


class HybridScore(Expression):
    """The reciprocal-rank-fusion score of a document in a full-text and a vector search.

    :param search: a search condition (Text, Phrase, Compound... or SearchQuery.condition()).
    :param vector: a VectorSearch (its ``limit`` bounds the vector side's documents).
    :param k: the rank constant (60).
    :param search_weight, vector_weight: how much each side counts (1 and 1).
    :param search_limit: how many full-text results take part (by default the vector side's
        limit).
    """

    output_field = FloatField()

    def __init__(self, search, vector, *, k=60, search_weight=1.0, vector_weight=1.0,
                 search_limit=None):
        if not isinstance(search, SearchCondition):
            raise ValueError(f"HybridScore's first argument is a search condition (Text, "
                             f"Phrase, Compound...), not {search!r}.")
        if not isinstance(vector, VectorSearch):
            raise ValueError(f"HybridScore's second argument is a VectorSearch, not "
                             f"{vector!r}.")
        for name, value in (("k", k), ("search_weight", search_weight),
                            ("vector_weight", vector_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"HybridScore({name}=...) is a number >= 0, not {value!r}.")
        search_limit = vector.limit if search_limit is None else search_limit
        if isinstance(search_limit, bool) or not isinstance(search_limit, int) or search_limit < 1:
            raise ValueError(f"HybridScore(search_limit=...) is a whole number >= 1, not "
                             f"{search_limit!r}.")
        vector = vector.copy()
        vector.within_hybrid = True
        self.search, self.vector = search, vector
        self.k, self.search_weight, self.vector_weight = k, search_weight, vector_weight
        self.search_limit = search_limit
        super().__init__()

    def get_source_expressions(self):
        return [self.vector]

    def set_source_expressions(self, expressions):
        (self.vector,) = expressions

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        restrict(query, resolved)
        return resolved

    def __repr__(self):
        return f"HybridScore({self.search!r}, {self.vector!r})"

    def as_sql(self, compiler, connection):
        raise NotSupportedError("HybridScore runs on djongo-core databases with 'search' in "
                                "PLUGINS.")


def rank_stages(score_key, weight, k):
    """Stages numbering the documents so far by rank and keeping weight / (k + rank)."""
    return [
        {"$group": {"_id": None, "documents": {"$push": "$$ROOT"}}},
        {"$unwind": {"path": "$documents", "includeArrayIndex": "rank"}},
        {"$replaceRoot": {"newRoot": {"$mergeObjects": ["$documents", {
            score_key: {"$divide": [weight, {"$add": ["$rank", k + 1]}]}}]}}},
    ]


def fused_stages(vector_stage, search_stage, collection, hybrid):
    """The pipeline opening that fuses the two searches' ranks into SCORE_KEY, best first."""
    vector_key, search_key = f"{SCORE_KEY}_vector", f"{SCORE_KEY}_search"
    return [
        vector_stage,
        *rank_stages(vector_key, hybrid.vector_weight, hybrid.k),
        {"$unionWith": {"coll": collection, "pipeline": [
            search_stage, {"$limit": hybrid.search_limit},
            *rank_stages(search_key, hybrid.search_weight, hybrid.k)]}},
        {"$group": {"_id": "$_id", "document": {"$first": "$$ROOT"},
                    vector_key: {"$max": f"${vector_key}"},
                    search_key: {"$max": f"${search_key}"}}},
        {"$replaceRoot": {"newRoot": {"$mergeObjects": ["$document", {SCORE_KEY: {"$add": [
            {"$ifNull": [f"${vector_key}", 0]}, {"$ifNull": [f"${search_key}", 0]}]}}]}}},
        {"$unset": [vector_key, search_key]},
        {"$sort": {SCORE_KEY: -1, "_id": 1}},
    ]
