"""distinct(*fields), PostgreSQL's DISTINCT ON: the first row per group in the query's order."""

import pytest
from django.db.models import Count
from django.db.models.functions import Lower

from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def authors():
    return {
        "ann3": Author.objects.create(name="Ann", age=3),
        "ann5": Author.objects.create(name="Ann", age=5),
        "bob": Author.objects.create(name="Bob", age=None),
        "cid": Author.objects.create(name="cid", age=None),
        "ANN": Author.objects.create(name="ANN", age=7),
    }


def test_distinct_on_keeps_the_first_row_per_value_in_the_query_order(authors):
    youngest = Author.objects.distinct("name").order_by("name", "age")
    oldest = Author.objects.distinct("name").order_by("name", "-age")
    assert list(youngest.values_list("name", "age")) == [
        ("ANN", 7), ("Ann", 3), ("Bob", None), ("cid", None)]
    assert list(oldest.values_list("name", "age")) == [
        ("ANN", 7), ("Ann", 5), ("Bob", None), ("cid", None)]
    assert oldest.count() == 4


def test_distinct_on_sorts_groups_and_sorts_the_kept_rows_again(authors):
    query = Author.objects.distinct("name").order_by("name", "-age").values_list("name").query
    assert str(query) == (
        'db.testapp_author.aggregate([{"$project": {"_id": 0, "c0": "$name", "s1": "$age", '
        '"d0": "$name"}}, '
        '{"$sort": {"c0": 1, "s1": -1}}, '
        '{"$group": {"_id": {"d0": {"$ifNull": ["$d0", null]}}, "row": {"$first": "$$ROOT"}}}, '
        '{"$replaceRoot": {"newRoot": "$row"}}, '
        '{"$sort": {"c0": 1, "s1": -1}}])'
    )


def test_nulls_are_one_group_as_in_sql(authors):
    # Bob's and cid's ages are null; a document without the field at all joins their group.
    from django.db import connection

    connection.mongo_database["testapp_author"].insert_one({"_id": 999, "name": "Dee"})
    ages = Author.objects.distinct("age").order_by("age", "name").values_list("age", "name")
    assert list(ages) == [(None, "Bob"), (3, "Ann"), (5, "Ann"), (7, "ANN")]


def test_distinct_on_several_fields_a_transform_and_an_annotation(authors):
    by_both = Author.objects.distinct("name", "age").order_by("name", "age")
    assert by_both.count() == 5
    lowered = (Author.objects.annotate(lowered=Lower("name")).distinct("lowered")
               .order_by("lowered", "-age").values_list("lowered", "age"))
    assert list(lowered) == [("ann", 7), ("bob", None), ("cid", None)]


def test_distinct_on_a_related_field_joins_it(authors):
    for title, author in [("x", "ann3"), ("y", "ann5"), ("z", "bob"), ("w", "bob")]:
        Book.objects.create(title=title, author=authors[author])
    books = (Book.objects.distinct("author__name").order_by("author__name", "-title")
             .values_list("author__name", "title"))
    assert list(books) == [("Ann", "y"), ("Bob", "z")]
    per_author = Book.objects.distinct("author").order_by("author", "title")
    assert [book.title for book in per_author] == ["x", "y", "w"]


def test_distinct_on_with_slicing_and_as_a_subquery(authors):
    names = Author.objects.distinct("name").order_by("name", "age")
    assert list(names[1:3].values_list("name", "age")) == [("Ann", 3), ("Bob", None)]
    chosen = Author.objects.filter(pk__in=names.values("pk")).order_by("name")
    assert [a.pk for a in chosen] == [authors[k].pk for k in ("ANN", "ann3", "bob", "cid")]


def test_distinct_on_with_aggregates_is_refused_as_django_does(authors):
    with pytest.raises(NotImplementedError, match=r"annotate\(\) \+ distinct\(fields\)"):
        list(Author.objects.annotate(n=Count("books")).distinct("name"))
    with pytest.raises(NotImplementedError, match=r"aggregate\(\) \+ distinct\(fields\)"):
        Author.objects.distinct("name").aggregate(n=Count("id"))


def test_plain_distinct_groups_on_every_column(authors):
    names = Author.objects.order_by().values_list("name", flat=True).distinct()
    assert sorted(names) == ["ANN", "Ann", "Bob", "cid"]
    assert str(names.query) == (
        'db.testapp_author.aggregate([{"$project": {"_id": 0, "c0": "$name"}}, '
        '{"$group": {"_id": {"c0": {"$ifNull": ["$c0", null]}}}}, '
        '{"$replaceRoot": {"newRoot": "$_id"}}])'
    )


def test_plain_distinct_makes_one_row_of_null_and_a_missing_joined_value(authors):
    # A book without an editor has no joined editor at all; one with an editor of unknown age
    # has a null age: SQL's DISTINCT sees two NULLs, one row.
    Book.objects.create(title="x", author=authors["bob"], editor=authors["bob"])
    Book.objects.create(title="y", author=authors["bob"], editor=None)
    assert list(Book.objects.values_list("editor__age", flat=True).distinct()) == [None]
