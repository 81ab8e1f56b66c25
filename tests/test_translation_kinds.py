"""QuerySet -> exact MQL for each kind of query the compiler handles (no server)."""

from django.db import connection
from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.test.utils import CaptureQueriesContext

from tests.test_translation import command
from tests.testapp.models import Author, Book

NOT_NULL_PAGES = {"$ne": [{"$ifNull": ["$testapp_book.pages", None]}, None]}


def pipeline(queryset):
    result = command(queryset)
    assert result.operation == "aggregate"
    return result.args[0]


def test_union_appends_the_other_part_and_groups_equal_rows():
    young = Author.objects.filter(age__lt=20).values("name")
    old = Author.objects.filter(age__gt=60).values("name")
    part = [{"$project": {"_id": 0, "c0": "$name"}}, {"$sort": {"c0": 1}},
            {"$project": {"_id": 0, "c0": {"$ifNull": ["$c0", None]}}}]
    # Ordered explicitly: Django 6.1 also orders combined rows by the model's ordering, and
    # Django 5.2 and 6.0 leave them in no order.
    assert pipeline(young.union(old).order_by("name")) == [
        {"$match": {"age": {"$lt": 20}}}, *part,
        {"$unionWith": {"coll": "testapp_author",
                        "pipeline": [{"$match": {"age": {"$gt": 60}}}, *part]}},
        {"$group": {"_id": "$$ROOT"}}, {"$replaceRoot": {"newRoot": "$_id"}},
        {"$sort": {"c0": 1}},
    ]


def test_case_when_is_a_switch_keeping_sql_null_rules():
    queryset = Author.objects.annotate(group=Case(
        When(age__lt=18, then=Value("minor")), default=Value("adult"))).values("group")
    assert pipeline(queryset) == [
        {"$sort": {"name": 1}},
        {"$project": {"_id": 0, "c0": {"$switch": {
            "branches": [{"case": {"$and": [{"$lt": ["$age", 18]},
                                            {"$ne": [{"$ifNull": ["$age", None]}, None]}]},
                          "then": "minor"}],
            "default": "adult"}}}},
    ]


def test_conditional_aggregation_counts_inside_the_group():
    queryset = Author.objects.values("name").annotate(
        long_books=Count("books", filter=Q(books__pages__gt=100)))
    counted = {"$cond": [{"$and": [{"$gt": ["$testapp_book.pages", 100]}, NOT_NULL_PAGES]},
                         "$testapp_book._id", None]}
    assert pipeline(queryset) == [
        {"$lookup": {"from": "testapp_book", "localField": "_id", "foreignField": "author_id",
                     "as": "testapp_book",
                     "pipeline": [{"$match": {"author_id": {"$ne": None}}}]}},
        {"$unwind": {"path": "$testapp_book", "preserveNullAndEmptyArrays": True}},
        {"$group": {"_id": {"g0": "$name"}, "a0": {"$sum": {"$cond": [
            {"$ne": [{"$ifNull": [counted, None]}, None]}, 1, 0]}}}},
        {"$project": {"_id": 0, "c0": "$_id.g0", "c1": "$a0"}},
    ]


def test_correlated_subquery_annotation_is_a_lookup_reading_its_first_row():
    latest = Book.objects.filter(author=OuterRef("pk")).order_by("-pages").values("title")[:1]
    queryset = Author.objects.annotate(latest=Subquery(latest)).values("name", "latest")
    assert pipeline(queryset) == [
        {"$lookup": {
            "from": "testapp_book",
            "pipeline": [
                {"$match": {"$expr": {"$and": [
                    {"$eq": ["$author_id", "$$outer0"]},
                    {"$ne": [{"$ifNull": ["$author_id", None]}, None]}]}}},
                {"$sort": {"pages": -1}}, {"$limit": 1},
                {"$project": {"title": 1, "_id": 0}},
            ],
            "as": "__subquery0", "let": {"outer0": "$_id"}}},
        {"$project": {"_id": 0, "c0": "$name",
                      "c1": {"$arrayElemAt": ["$__subquery0.title", 0]}}},
        {"$sort": {"c0": 1}},
    ]


def test_dates_truncates_groups_and_sorts():
    assert pipeline(Book.objects.dates("published", "year")) == [
        {"$match": {"published": {"$ne": None}}},
        {"$project": {"_id": 0, "c0": {"$dateTrunc": {"date": "$published", "unit": "year"}}}},
        {"$group": {"_id": {"c0": {"$ifNull": ["$c0", None]}}}},
        {"$replaceRoot": {"newRoot": "$_id"}},
        {"$sort": {"c0": 1}},
    ]


def test_in_an_empty_subquery_sends_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert list(Author.objects.filter(pk__in=Author.objects.none().values("pk"))) == []
    assert len(queries) == 0
