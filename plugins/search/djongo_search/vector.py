"""VectorSearch: the k nearest documents to a query vector, run by MongoDB's ``$vectorSearch``.

    Article.objects.annotate(score=VectorSearch("embedding", query_vector, limit=5,
                                                filter=Q(category="news")))

The annotation makes the query open with ``$vectorSearch`` (plan.py), which keeps the
``limit`` nearest documents (among ``num_candidates`` approximate candidates, or all of them
with ``exact=True``) in nearest-first order, and gives each its score (MongoDB's
vectorSearchScore, from 0 to 1, higher is nearer). ``filter`` is a pre-filter: MongoDB applies
it before choosing the nearest, and only on fields the VectorSearchIndex declares as filters.
Further ``filter()`` calls, ``values()``, slicing and ``select_related()`` apply to those
documents after the search.
"""

import math

from django.db import NotSupportedError
from django.db.models import F, FloatField, Func, Lookup, Q, Value
from django.db.models.sql.where import AND

# MongoDB's bounds: numCandidates at most 10000, and at least limit.
MAX_CANDIDATES = 10_000
# The candidates MongoDB's documentation advises per result, when num_candidates is not given.
CANDIDATES_PER_RESULT = 20


class VectorSearch(Func):
    """The score of a document among the ``limit`` nearest to ``query_vector`` in ``field``.

    :param field: a VectorField of the model, indexed by a VectorSearchIndex.
    :param query_vector: a list of as many numbers as the field's dimensions.
    :param limit: how many documents to keep (k).
    :param num_candidates: how many approximate candidates MongoDB considers (at least limit,
        at most 10000; by default 20 per result, capped).
    :param exact: search every vector exactly (ENN) instead of approximately (ANN).
    :param filter: a Q on the index's filter fields, applied before the search.
    :param index: the VectorSearchIndex's name, when the field has several.
    """

    arity = 1
    function = None
    output_field = FloatField()

    def __init__(self, field, query_vector, *, limit, num_candidates=None, exact=False,
                 filter=None, index=None):
        if isinstance(field, str):
            field = F(field)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"VectorSearch(limit=...) is how many documents to keep, a whole "
                             f"number >= 1, not {limit!r}.")
        if exact and num_candidates is not None:
            raise ValueError("VectorSearch(exact=True) compares every vector; num_candidates "
                             "is for the approximate search only (MongoDB refuses both).")
        if not exact:
            if num_candidates is None:
                num_candidates = min(MAX_CANDIDATES, max(limit, limit * CANDIDATES_PER_RESULT))
            if (isinstance(num_candidates, bool) or not isinstance(num_candidates, int)
                    or not limit <= num_candidates <= MAX_CANDIDATES):
                raise ValueError(f"VectorSearch(num_candidates=...) is from limit ({limit}) to "
                                 f"{MAX_CANDIDATES}, not {num_candidates!r}.")
        if filter is not None and not isinstance(filter, Q):
            raise ValueError(f"VectorSearch(filter=...) is a Q, not {filter!r}.")
        self.query_vector = _numbers(query_vector)
        self.limit, self.num_candidates, self.exact = limit, num_candidates, bool(exact)
        self.pre_filter, self.index = filter, index
        super().__init__(field)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        if not self.within_hybrid:
            restrict(query, resolved)
        return resolved

    # A HybridScore's vector side: the HybridScore restricts the rows.
    within_hybrid = False

    def __repr__(self):
        return (f"VectorSearch({self.source_expressions[0]!r}, <{len(self.query_vector)} "
                f"numbers>, limit={self.limit})")

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("VectorSearch runs on djongo-core databases with 'search' in "
                                "PLUGINS.")


class SearchRestriction(Lookup):
    """The rows a VectorSearch (or HybridScore) annotation keeps, as a condition of the query.

    The annotation restricts the query to the documents its search stage passes on; this
    condition says so where Django looks for what restricts rows, so that count(), exists()
    and a subquery of the QuerySet keep (or refuse) the search instead of dropping it with the
    annotation."""

    lookup_name = "search_restriction"
    prepare_rhs = False

    def __init__(self, search):
        self.search = search
        super().__init__(Value(repr(search)), Value(True))

    def __repr__(self):
        return f"SearchRestriction({self.search!r})"

    def __eq__(self, other):
        return isinstance(other, SearchRestriction) and other.search == self.search

    def __hash__(self):
        return hash(repr(self))

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"{self.search!r} runs on djongo-core databases with 'search' "
                                "in PLUGINS.")


def restrict(query, search):
    """Add the condition that a search annotation restricts the rows (once per search)."""
    if query is None or not hasattr(query, "where"):
        return
    restriction = SearchRestriction(search)
    if restriction not in query.where.children:
        query.where.add(restriction, AND)


def _numbers(vector):
    if isinstance(vector, (str, bytes, dict)) or not hasattr(vector, "__iter__"):
        raise ValueError(f"VectorSearch's query vector is a list of numbers, not {vector!r}.")
    numbers = list(vector)
    if not numbers or any(isinstance(n, bool) or not isinstance(n, (int, float))
                          or not math.isfinite(n) for n in numbers):
        raise ValueError("VectorSearch's query vector is a non-empty list of finite numbers.")
    return [float(n) for n in numbers]
