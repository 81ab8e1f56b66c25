"""Aggregates with order_by= (StringAgg): $push with sort keys, then $sortArray."""

import pytest
from django.db import NotSupportedError, connection, models

if not hasattr(models, "StringAgg"):
    pytest.skip("StringAgg and Aggregate(order_by=...) are Django 6.0's.", allow_module_level=True)

from django.db.models import Aggregate, F, IntegerField, Q, StringAgg, Value, Window  # noqa: E402
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def authors():
    for name, age in [("bob", 30), ("Ann", 40), ("cid", None), ("dee", 20)]:
        Author.objects.create(name=name, age=age)


def names(**options):
    return Author.objects.aggregate(
        names=StringAgg("name", delimiter=Value(","), **options))["names"]


def test_string_agg_ordered_by_a_field_either_way(authors):
    assert names(order_by="age") == "cid,dee,bob,Ann"  # null sorts lowest, as in MongoDB
    assert names(order_by="-age") == "Ann,bob,dee,cid"
    assert names(order_by=F("age").asc(nulls_last=True)) == "dee,bob,Ann,cid"


def test_string_agg_ordered_by_an_expression_and_several_keys(authors):
    Author.objects.create(name="Eve", age=30)
    assert names(order_by=Lower("name")) == "Ann,bob,cid,dee,Eve"
    assert names(order_by=["-age", "name"]) == "Ann,Eve,bob,dee,cid"


def test_string_agg_order_by_mql(authors):
    with CaptureQueriesContext(connection) as captured:
        names(order_by="-age")
    (query,) = [q["sql"] for q in captured]
    assert query == (
        'db.testapp_author.aggregate([{"$group": {"_id": null, "a0": {"$push": {"$cond": ['
        '{"$ne": [{"$ifNull": ["$name", null]}, null]}, {"v": "$name", "k0": "$age"}, '
        '"$$REMOVE"]}}}}, '
        '{"$project": {"_id": 0, "c0": {"$reduce": {"input": {"$map": {"input": '
        '{"$sortArray": {"input": "$a0", "sortBy": {"k0": -1}}}, "in": "$$this.v"}}, '
        '"initialValue": null, "in": {"$cond": [{"$eq": ["$$value", null]}, "$$this", '
        '{"$concat": ["$$value", ",", "$$this"]}]}}}}}])'
    )


@pytest.fixture
def books(authors):
    ann, bob = Author.objects.get(name="Ann"), Author.objects.get(name="bob")
    for title, author, pages in [("b", ann, 2), ("a", ann, 3), ("c", ann, 1), ("z", bob, 9)]:
        Book.objects.create(title=title, author=author, pages=pages)


def test_string_agg_ordered_per_group(books):
    titles = (Author.objects.filter(books__isnull=False).order_by("name")
              .annotate(titles=StringAgg("books__title", Value("|"), order_by="-books__pages"))
              .values_list("name", "titles"))
    assert list(titles) == [("Ann", "a|b|c"), ("bob", "z")]


def test_string_agg_ordered_with_a_filter(books):
    titles = (Author.objects.filter(books__isnull=False).order_by("name")
              .annotate(titles=StringAgg("books__title", Value("|"), order_by="books__pages",
                                         filter=Q(books__pages__gt=1)))
              .values_list("name", "titles"))
    assert list(titles) == [("Ann", "b|a"), ("bob", "z")]


def test_distinct_string_agg_ordered_by_its_own_value(authors):
    Author.objects.create(name="bob", age=1)
    assert names(distinct=True, order_by="-name") == "dee,cid,bob,Ann"


def test_distinct_string_agg_ordered_by_another_expression_is_refused(authors):
    with pytest.raises(NotSupportedError, match=r"can only be ordered by the expression"):
        names(distinct=True, order_by="age")


def test_an_ordered_aggregate_other_than_string_agg_is_refused(authors):
    class Collect(Aggregate):
        function = "COLLECT"
        name = "Collect"
        allow_order_by = True
        output_field = IntegerField()

    with pytest.raises(NotSupportedError, match=r"Collect\(order_by=...\) is not supported"):
        Author.objects.aggregate(ages=Collect("age", order_by="name"))


def test_an_ordered_aggregate_over_a_window_is_refused(authors):
    with pytest.raises(NotSupportedError, match=r"StringAgg\(order_by=...\) over a window"):
        list(Author.objects.annotate(
            names=Window(StringAgg("name", Value(","), order_by="-age"))))
