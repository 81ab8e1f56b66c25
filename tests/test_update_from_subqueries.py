"""update() with values that read other documents (a correlated Subquery): the values are read
first with one aggregation, then written by _id in one bulk_write (compiler/values_first.py)."""

import datetime

import pytest
from django.db.models import F, Func, IntegerField, OuterRef, Subquery

from tests.testapp.models import Author, Book, Rectangle, Sample

pytestmark = pytest.mark.usefixtures("db")


def _book_count():
    return Subquery(Book.objects.filter(author=OuterRef("pk")).order_by().annotate(
        c=Func(F("pk"), function="COUNT")).values("c"), output_field=IntegerField())


@pytest.fixture
def authors():
    ann = Author.objects.create(name="Ann", age=1)
    bob = Author.objects.create(name="Bob", age=1)
    cid = Author.objects.create(name="Cid", age=1)
    for title, author, pages in (("a", ann, 10), ("b", ann, 20), ("c", bob, 30)):
        Book.objects.create(title=title, author=author, pages=pages)
    return ann, bob, cid


def _ages():
    return list(Author.objects.values_list("name", "age"))


def test_each_document_gets_its_own_value(authors, queries):
    ann, bob, cid = authors
    assert Author.objects.update(age=_book_count()) == 3
    read, write = (query["sql"] for query in queries.captured_queries[-2:])
    assert _ages() == [("Ann", 2), ("Bob", 1), ("Cid", 0)]
    assert write == (
        "db.testapp_author.bulk_write(["
        f'{{"updateOne": {{"filter": {{"_id": {ann.pk}}}, "update": {{"$set": {{"age": 2}}}}}}}}, '
        f'{{"updateOne": {{"filter": {{"_id": {bob.pk}}}, "update": {{"$set": {{"age": 1}}}}}}}}, '
        f'{{"updateOne": {{"filter": {{"_id": {cid.pk}}}, "update": {{"$set": {{"age": 0}}}}}}}}'
        '], {"ordered": true})'
    )
    assert read.startswith("db.testapp_author.aggregate([{\"$lookup\": ")


def test_an_annotation_filtered_and_written_as_django_tree_fixers_do(authors):
    # django-treebeard's fix_tree(): annotate the true count, keep the rows where the stored
    # one differs, write it.
    Author.objects.filter(name="Bob").update(age=1)
    stale = Author.objects.annotate(real=_book_count()).exclude(age=F("real"))
    assert stale.update(age=F("real")) == 2
    assert _ages() == [("Ann", 2), ("Bob", 1), ("Cid", 0)]


def test_constants_and_plain_expressions_are_written_beside_the_read_values(authors):
    first_pages = Subquery(Book.objects.filter(author=OuterRef("pk")).order_by(
        "pages").values("pages")[:1])
    assert Author.objects.filter(name__in=["Ann", "Cid"]).update(
        age=first_pages, email=None, name=F("name")) == 2
    # A subquery finding nothing is NULL.
    assert _ages() == [("Ann", 10), ("Bob", 1), ("Cid", None)]


def test_no_matching_document_writes_nothing(authors, queries):
    assert Author.objects.filter(name="Nobody").update(age=_book_count()) == 0
    assert not any("bulk_write" in query["sql"] for query in queries.captured_queries)


def test_datetimes_read_from_other_documents_keep_their_microseconds():
    author = Author.objects.create(name="Ann")
    book = Book.objects.create(title="a", author=author)
    book.created = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)
    book.save()
    Sample.objects.create(book=book)
    Sample.objects.update(moment=Subquery(Book.objects.filter(pk=OuterRef("book")).values(
        "created")[:1]))
    assert Sample.objects.get().moment == book.created


def test_stored_generated_fields_are_computed_again(authors):
    rectangle = Rectangle.objects.create(width=1, height=3)
    Rectangle.objects.update(width=Subquery(Book.objects.filter(title="c").values("pages")[:1]))
    rectangle.refresh_from_db()
    assert (rectangle.width, rectangle.area) == (30, 90)
