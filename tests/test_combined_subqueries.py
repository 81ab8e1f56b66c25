"""union(), intersection() and difference() as correlated subqueries: the combined pipeline
runs inside the outer query's $lookup, and every part reads the outer columns through its
variables (one name per outer column, shared by the parts)."""

import pytest
from django.db.models import Exists, OuterRef, Subquery

from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")


def _stages(queryset):
    return queryset.query.get_compiler(queryset.db).build_plan().command.args[0]


def _part(match):
    return [{"$match": match}, {"$project": {"title": 1, "_id": 0}},
            {"$project": {"_id": 0, "c0": {"$ifNull": ["$title", None]}}}]


def _equals(column, variable):
    return {"$and": [{"$eq": [column, variable]}, {"$ne": [{"$ifNull": [column, None]}, None]}]}


def test_a_union_subquery_is_one_lookup_whose_parts_share_the_outer_variables():
    by_author = Book.objects.filter(pages__gt=300, author=OuterRef("pk")).values("title")
    by_pages = Book.objects.filter(pages=OuterRef("age")).values("title")
    queryset = Author.objects.order_by().annotate(
        title=Subquery(by_author.union(by_pages)[:1])).values_list("name", "title")
    assert _stages(queryset) == [
        {"$lookup": {
            "from": "testapp_book",
            "pipeline": [
                *_part({"$expr": _equals("$author_id", "$$outer0"), "pages": {"$gt": 300}}),
                {"$unionWith": {"coll": "testapp_book", "pipeline": _part(
                    {"$expr": _equals("$pages", "$$outer1")})}},
                {"$group": {"_id": "$$ROOT"}},
                {"$replaceRoot": {"newRoot": "$_id"}},
                {"$limit": 1},
            ],
            "as": "__subquery0",
            "let": {"outer0": "$_id", "outer1": "$age"},
        }},
        {"$project": {"_id": 0, "c0": "$name",
                      "c1": {"$arrayElemAt": ["$__subquery0.c0", 0]}}},
    ]


@pytest.fixture
def shelf():
    ann = Author.objects.create(name="Ann", age=120)
    bob = Author.objects.create(name="Bob", age=999)
    cid = Author.objects.create(name="Cid", age=50)
    Book.objects.create(title="Long", author=ann, pages=500)
    Book.objects.create(title="Short", author=bob, pages=120, editor=cid)
    return ann, bob, cid


def test_a_union_subquery_answers_per_outer_row(shelf):
    by_author = Book.objects.filter(pages__gt=300, author=OuterRef("pk")).values("title")
    by_pages = Book.objects.filter(pages=OuterRef("age")).values("title")
    titles = Author.objects.order_by("name").annotate(
        title=Subquery(by_author.union(by_pages)[:1])).values_list("name", "title")
    # Ann: her long book (and Short has her age in pages); Bob: his book is short and no
    # book has 999 pages; Cid: nothing.
    assert dict(titles)["Bob"] is None
    assert dict(titles)["Cid"] is None
    assert dict(titles)["Ann"] in {"Long", "Short"}
    filtered = Author.objects.annotate(
        title=Subquery(by_author.union(by_pages).values("title")[:1])).filter(
        title__isnull=False).values_list("name", flat=True)
    assert list(filtered) == ["Ann"]


def test_an_intersection_subquery_keeps_rows_every_part_finds(shelf):
    written = Book.objects.order_by().filter(author=OuterRef("pk"))
    edited = Book.objects.order_by().filter(editor=OuterRef("pk"))
    long = Book.objects.order_by().filter(pages__gt=300)
    assert list(Author.objects.filter(Exists(written.intersection(long)))
                .values_list("name", flat=True)) == ["Ann"]
    assert list(Author.objects.filter(Exists(written.intersection(edited)))) == []


def test_a_difference_subquery_keeps_rows_only_the_first_part_finds(shelf):
    written = Book.objects.order_by().filter(author=OuterRef("pk"))
    long = Book.objects.order_by().filter(pages__gt=300)
    assert list(Author.objects.filter(Exists(written.difference(long)))
                .values_list("name", flat=True)) == ["Bob"]


def test_a_nested_outer_ref_in_a_part_reads_the_outermost_query(shelf):
    ann, bob, _ = shelf
    # Books by the author of the outer book, intersected with books whose author is the
    # outermost author: a book matches only when both are the same person.
    same = Book.objects.order_by().filter(author=OuterRef("author")).intersection(
        Book.objects.order_by().filter(author=OuterRef(OuterRef("pk"))))
    authors = Author.objects.filter(Exists(Book.objects.filter(Exists(same), author=OuterRef("pk"))))
    assert sorted(authors.values_list("name", flat=True)) == ["Ann", "Bob"]


def test_a_correlated_union_on_the_right_of_in_answers_per_row(shelf):
    ann, _, cid = shelf
    mine = Book.objects.filter(author=OuterRef("pk")).values("pk")
    edited = Book.objects.filter(editor=OuterRef("pk")).values("pk")
    assert sorted(Author.objects.filter(books__in=mine.union(edited)).values_list(
        "name", flat=True)) == ["Ann", "Bob"]
    assert list(Author.objects.filter(edited__in=mine.union(edited)).values_list(
        "name", flat=True)) == ["Cid"]
