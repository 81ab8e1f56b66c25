"""VectorSearch: the k nearest of a hand-built set, in order, with MongoDB's scores; the
Q pre-filter; and what comes after the search stage."""

import pytest
from django.db import NotSupportedError, connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from djongo_search import VectorSearch
from search_testapp.models import Article, Author

# Against the query [1, 0, 0] the cosine similarities are 1, 0.8, 0.6, 0 and -1; MongoDB's
# cosine score is (1 + cosine) / 2.
SET = [
    ("A", [1.0, 0.0, 0.0], "food", 2020, 1.0),
    ("B", [0.8, 0.6, 0.0], "science", 2021, 0.9),
    ("C", [0.6, 0.8, 0.0], "food", 2022, 0.8),
    ("D", [0.0, 1.0, 0.0], "science", 2023, 0.5),
    ("E", [-1.0, 0.0, 0.0], "food", 2024, 0.0),
]
QUERY = [1.0, 0.0, 0.0]


@pytest.fixture
def articles(db):
    author = Author.objects.create(name="Ada")
    Article.objects.bulk_create(
        Article(title=title, body=f"article {title}", topic=topic, year=year, author=author,
                embedding=vector) for title, vector, topic, year, _ in SET)
    return {title: score for title, *_, score in SET}


def nearest(**options):
    return Article.objects.annotate(score=VectorSearch("embedding", QUERY, **options))


def ranked(queryset):
    return [(article.title, pytest.approx(article.score, abs=1e-6)) for article in queryset]


def test_the_k_nearest_in_order_with_their_scores(articles):
    assert ranked(nearest(limit=3)) == [("A", 1.0), ("B", 0.9), ("C", 0.8)]


def test_the_stage_sent(articles):
    with CaptureQueriesContext(connection) as captured:
        list(nearest(limit=2, num_candidates=10).values_list("title", "score"))
    assert captured.captured_queries[-1]["sql"] == (
        'db.search_testapp_article.aggregate([{"$vectorSearch": {"index": "article_vectors", '
        '"path": "embedding", "queryVector": [1.0, 0.0, 0.0], "limit": 2, "numCandidates": 10'
        '}}, {"$project": {"_id": 0, "c0": "$title", "c1": {"$meta": "vectorSearchScore"}}}])')


def test_exact_search(articles):
    assert ranked(nearest(limit=2, exact=True)) == [("A", 1.0), ("B", 0.9)]


@pytest.mark.parametrize("condition, expected", [
    (Q(topic="science"), [("B", 0.9), ("D", 0.5)]),
    (Q(topic="food", year__gte=2021), [("C", 0.8), ("E", 0.0)]),
    (Q(topic="food") | Q(year=2023), [("A", 1.0), ("C", 0.8), ("D", 0.5)]),
    (~Q(topic="food"), [("B", 0.9), ("D", 0.5)]),
    (Q(year__in=[2020, 2024]), [("A", 1.0), ("E", 0.0)]),
])
def test_a_q_pre_filter_chooses_before_the_nearest(articles, condition, expected):
    assert ranked(nearest(limit=3, filter=condition)) == expected


def test_the_pre_filter_sent(articles):
    with CaptureQueriesContext(connection) as captured:
        list(nearest(limit=3, filter=Q(topic="food", year__gte=2021)))
    assert ('"filter": {"topic": "food", "year": {"$gte": 2021}}'
            in captured.captured_queries[-1]["sql"])


def test_a_pre_filter_on_a_field_that_is_not_a_filter_field_is_refused(articles):
    with pytest.raises(NotSupportedError) as refused:
        list(nearest(limit=3, filter=Q(title="A")))
    message = str(refused.value)
    assert "'title'" in message and "article_vectors" in message
    assert "filters: topic, year" in message


def test_further_filters_values_slicing_and_select_related_after_the_stage(articles):
    after = nearest(limit=3).filter(year__gte=2021).order_by("-score")
    assert ranked(after) == [("B", 0.9), ("C", 0.8)]
    assert list(nearest(limit=3).order_by("-score").values_list("title", flat=True)[1:]) == [
        "B", "C"]
    assert nearest(limit=3).order_by("-score").values("title", "score")[0] == {
        "title": "A", "score": pytest.approx(1.0)}
    with CaptureQueriesContext(connection) as captured:
        authors = [a.author.name for a in nearest(limit=2).select_related("author")]
    assert authors == ["Ada", "Ada"] and len(captured.captured_queries) == 1
    assert nearest(limit=4).count() == 4


def test_wrong_vectors_and_missing_indexes_are_refused(articles):
    with pytest.raises(NotSupportedError, match="has 2 numbers, the field 3"):
        list(Article.objects.annotate(score=VectorSearch("embedding", [1.0, 0.0], limit=2)))
    with pytest.raises(NotSupportedError, match="needs a VectorSearchIndex"):
        list(Article.objects.annotate(score=VectorSearch("title", QUERY, limit=2)))
    with pytest.raises(NotSupportedError, match="runs 2 searches"):
        list(nearest(limit=2).annotate(again=VectorSearch("embedding", [0, 1, 0], limit=2)))
    with pytest.raises(NotSupportedError, match="inside a subquery"):
        list(Article.objects.filter(pk__in=nearest(limit=2).values("pk")))


def test_bad_arguments_are_refused_when_written():
    with pytest.raises(ValueError, match="limit"):
        VectorSearch("embedding", QUERY, limit=0)
    with pytest.raises(ValueError, match="num_candidates"):
        VectorSearch("embedding", QUERY, limit=5, num_candidates=2)
    with pytest.raises(ValueError, match="exact=True"):
        VectorSearch("embedding", QUERY, limit=5, num_candidates=50, exact=True)
    with pytest.raises(ValueError, match="finite numbers"):
        VectorSearch("embedding", [1.0, float("inf")], limit=5)
    with pytest.raises(ValueError, match="is a Q"):
        VectorSearch("embedding", QUERY, limit=5, filter={"topic": "food"})


def test_aggregates_over_the_nearest(articles):
    from django.db.models import Avg, Count

    assert nearest(limit=2).aggregate(mean=Avg("score")) == {"mean": pytest.approx(0.95)}
    assert list(nearest(limit=3).values("topic").annotate(n=Count("id")).order_by("topic")) == [
        {"topic": "food", "n": 2}, {"topic": "science", "n": 1}]
    with CaptureQueriesContext(connection) as captured:
        nearest(limit=2).aggregate(mean=Avg("score"))
    assert ('{"$addFields": {"__search_vectorSearchScore": {"$meta": "vectorSearchScore"}}}'
            in captured.captured_queries[-1]["sql"])


def test_a_search_in_a_union_is_refused(articles):
    with pytest.raises(NotSupportedError, match=r"union\(\)"):
        list(nearest(limit=2).values("pk").union(Article.objects.values("pk")))
    with pytest.raises(NotSupportedError, match=r"union\(\)"):
        list(Article.objects.values("pk").union(nearest(limit=2).values("pk")))
