"""HybridScore: full-text and vector ranks fused by reciprocal rank fusion, in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from djongo_search import HybridScore, Text, VectorSearch
from search_testapp.models import Article

# Nearest to [1, 0, 0]: A, B, C, D, E. Most "tea" in the (equally long) bodies: E (3), B (2),
# C (1); A and D have none.
SET = [
    ("A", "coffee steeped cold overnight", [1.0, 0.0, 0.0]),
    ("B", "tea leaves tea water", [0.8, 0.6, 0.0]),
    ("C", "tea with lemon slices", [0.6, 0.8, 0.0]),
    ("D", "rockets reach orbit fast", [0.0, 1.0, 0.0]),
    ("E", "tea tea tea time", [-1.0, 0.0, 0.0]),
]


@pytest.fixture
def articles(db):
    Article.objects.bulk_create(Article(title=title, body=body, topic="t", year=2020,
                                        embedding=vector) for title, body, vector in SET)


def fused(**options):
    return Article.objects.annotate(score=HybridScore(
        Text("tea", path="body"), VectorSearch("embedding", [1.0, 0.0, 0.0], limit=5),
        **options)).order_by("-score")


def rrf(*ranks, k=60):
    return sum(1 / (k + rank) for rank in ranks)


def test_both_ranks_are_fused(articles):
    found = [(a.title, a.score) for a in fused()]
    assert found == [
        ("B", pytest.approx(rrf(2, 2))), ("E", pytest.approx(rrf(5, 1))),
        ("C", pytest.approx(rrf(3, 3))), ("A", pytest.approx(rrf(1))),
        ("D", pytest.approx(rrf(4)))]


def test_the_search_limit_and_weights_count(articles):
    found = [a.title for a in fused(search_limit=2)]
    assert found == ["B", "E", "A", "C", "D"]
    heavy_text = fused(search_weight=3.0)
    assert [a.title for a in heavy_text][:3] == ["E", "B", "C"]


def test_one_query_is_sent_opening_with_the_vector_search(articles):
    with CaptureQueriesContext(connection) as captured:
        list(fused().values_list("title", flat=True)[:2])
    (query,) = captured.captured_queries
    assert query["sql"].startswith('db.search_testapp_article.aggregate([{"$vectorSearch"')
    assert '{"$unionWith": {"coll": "search_testapp_article", "pipeline": [{"$search": ' in (
        query["sql"])


def test_filters_after_the_fusion(articles):
    assert [a.title for a in fused().filter(title__in=["A", "C", "E"])] == ["E", "C", "A"]


def test_bad_arguments_are_refused_when_written():
    vector = VectorSearch("embedding", [1.0, 0.0, 0.0], limit=5)
    with pytest.raises(ValueError, match="search condition"):
        HybridScore("tea", vector)
    with pytest.raises(ValueError, match="VectorSearch"):
        HybridScore(Text("tea"), [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="k=...."):
        HybridScore(Text("tea"), vector, k=-1)
    with pytest.raises(ValueError, match="search_limit"):
        HybridScore(Text("tea"), vector, search_limit=0)


def test_a_hybrid_with_another_search_is_refused(articles):
    from django.db import NotSupportedError

    with pytest.raises(NotSupportedError, match="runs 2 searches"):
        list(fused().filter(Text("lemon", path="body")))
