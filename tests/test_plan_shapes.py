"""Plans that use indexes and stop early (issue 24): exact MQL, and the rows they return.

- select_related over a NOT NULL foreign key sorts and slices before the `$lookup`, as over a
  nullable one; a dangling reference makes the page one row shorter (docs/queries.md).
- A ManyToMany prefetch starts from the through collection's `$in` on the source ids.
"""

import pytest
from django.db import connection
from django.db.models import Prefetch

from djongo_core.command import Command
from tests.test_translation import command, pipeline
from tests.testapp.models import Author, Book, Tag

AUTHOR = {"$lookup": {"from": "testapp_author", "localField": "author_id",
                      "foreignField": "_id", "as": "testapp_author"}}


def test_select_related_on_a_non_null_key_sorts_and_limits_before_the_join():
    stages = pipeline(Book.objects.select_related("author").order_by("-pages", "title")[5:15])
    assert stages[:5] == [
        {"$sort": {"pages": -1, "title": 1}},
        {"$skip": 5},
        {"$limit": 10},
        AUTHOR,
        {"$unwind": {"path": "$testapp_author"}},
    ]
    assert list(stages[5]) == ["$project"] and len(stages) == 6


def test_select_related_of_both_kinds_of_key_sorts_first_too():
    stages = pipeline(Book.objects.select_related("author", "editor").order_by("title")[:3])
    assert stages[:2] == [{"$sort": {"title": 1}}, {"$limit": 3}]
    assert [list(stage)[0] for stage in stages[2:]] == [
        "$lookup", "$unwind", "$lookup", "$unwind", "$project"]


def test_ordering_by_a_joined_column_still_joins_first():
    stages = pipeline(Book.objects.select_related("author").order_by("author__name")[:3])
    assert stages[:2] == [AUTHOR, {"$unwind": {"path": "$testapp_author"}}]
    assert stages[-1] == {"$limit": 3}


def test_a_filter_across_the_join_still_joins_first():
    stages = pipeline(Book.objects.select_related("author").filter(author__name="Ann")
                      .order_by("title")[:3])
    assert stages[:3] == [AUTHOR, {"$unwind": {"path": "$testapp_author"}},
                          {"$match": {"testapp_author.name": "Ann"}}]


def test_many_to_many_prefetch_starts_from_the_through_collections_in():
    books = [Book(pk=1), Book(pk=2)]
    prefetch = books[0].tags.get_prefetch_querysets(books)[0]
    plan = command(prefetch)
    assert plan.collection == "testapp_book_tags"
    assert plan.args[0] == [
        {"$match": {"book_id": {"$in": [1, 2]}}},
        {"$lookup": {"from": "testapp_tag", "localField": "tag_id", "foreignField": "_id",
                     "as": "testapp_tag"}},
        {"$unwind": {"path": "$testapp_tag"}},
        {"$project": {"_id": 0, "c0": "$book_id", "c1": "$testapp_tag._id",
                      "c2": "$testapp_tag.label"}},
    ]


def test_a_condition_on_the_target_runs_after_the_join():
    books = [Book(pk=7)]
    prefetch = books[0].tags.get_prefetch_querysets(
        books, [Tag.objects.filter(label__startswith="a").order_by("label")])[0]
    plan = command(prefetch)
    assert plan.collection == "testapp_book_tags"
    assert plan.args[0][0] == {"$match": {"book_id": {"$in": [7]}}}
    assert plan.args[0][3] == {"$match": {"testapp_tag.label": {"$regex": "^a"}}}
    assert plan.args[0][-1] == {"$sort": {"c2": 1}}


def test_a_reverse_foreign_key_filter_reads_the_filtered_collection_first():
    stages = pipeline(Author.objects.filter(books__pages__gt=300))
    assert stages[:3] == [
        {"$match": {"pages": {"$gt": 300}}},
        {"$lookup": {"from": "testapp_author", "localField": "author_id",
                     "foreignField": "_id", "as": "testapp_author"}},
        {"$unwind": {"path": "$testapp_author"}},
    ]
    assert command(Author.objects.filter(books__pages__gt=300)).collection == "testapp_book"


@pytest.mark.usefixtures("db")
def test_prefetched_tags_and_reverse_filters_return_the_same_rows():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    red, blue, green = (Tag.objects.create(label=label) for label in ("red", "blue", "green"))
    first = Book.objects.create(title="First", author=ann, pages=400)
    second = Book.objects.create(title="Second", author=bob, pages=100)
    Book.objects.create(title="Third", author=bob, pages=500)
    first.tags.set([red, blue])
    second.tags.set([blue])
    books = Book.objects.prefetch_related("tags").order_by("title")
    assert [sorted(tag.label for tag in book.tags.all()) for book in books] == [
        ["blue", "red"], ["blue"], []]
    filtered = Book.objects.prefetch_related(
        Prefetch("tags", queryset=Tag.objects.filter(label__startswith="b"))).order_by("title")
    assert [[tag.label for tag in book.tags.all()] for book in filtered] == [["blue"], ["blue"], []]
    assert sorted(a.name for a in Author.objects.filter(books__pages__gt=300)) == ["Ann", "Bob"]
    assert [t.label for t in Tag.objects.filter(books__title="Second")] == ["blue"]
    assert green.books.count() == 0


@pytest.mark.usefixtures("db")
def test_a_dangling_reference_shortens_the_page_it_falls_in():
    ann = Author.objects.create(name="Ann")
    gone = Author.objects.create(name="Gone")
    for title, author in [("a", ann), ("b", gone), ("c", ann), ("d", ann)]:
        Book.objects.create(title=title, author=author)
    # MongoDB keeps no foreign keys: the author goes, its books stay.
    connection.executor.run(Command("testapp_author", "delete_one", ({"_id": gone.pk},)))
    page = Book.objects.select_related("author").order_by("title")[:2]
    assert [(book.title, book.author.name) for book in page] == [("a", "Ann")]
    rest = Book.objects.select_related("author").order_by("title")[2:]
    assert [book.title for book in rest] == ["c", "d"]
    assert Book.objects.order_by("title")[:2].count() == 2


def test_date_of_a_datetime_is_a_range_of_the_column_in_the_current_time_zone():
    import datetime

    # TIME_ZONE is America/Chicago; daylight saving time began on 2020-03-08 at 2 a.m.
    day = datetime.date(2020, 3, 8)
    start, following = datetime.datetime(2020, 3, 8, 6), datetime.datetime(2020, 3, 9, 5)
    assert command(Book.objects.filter(created__date=day).order_by()).args[0] == {
        "created": {"$gte": start, "$lt": following}}
    assert command(Book.objects.filter(created__date__gt=day).order_by()).args[0] == {
        "created": {"$gte": following}}
    assert command(Book.objects.filter(created__date__lt=day).order_by()).args[0] == {
        "created": {"$lt": start}}
    # A date field, or a datetime compared with a datetime, is left as it was.
    assert "$expr" in command(Book.objects.filter(created__date__in=[day]).order_by()).args[0]


@pytest.mark.usefixtures("db")
def test_date_ranges_return_what_the_local_dates_say():
    import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    author = Author.objects.create(name="Ann")
    chicago = ZoneInfo("America/Chicago")
    instants = [datetime.datetime(2020, 3, 8, 5, 59, tzinfo=datetime.UTC),   # 7th, 23:59 CST
                datetime.datetime(2020, 3, 8, 6, 0, tzinfo=datetime.UTC),    # 8th, 00:00 CST
                datetime.datetime(2020, 3, 9, 4, 59, tzinfo=datetime.UTC),   # 8th, 23:59 CDT
                datetime.datetime(2020, 3, 9, 5, 0, tzinfo=datetime.UTC)]    # 9th, 00:00 CDT
    for number, instant in enumerate(instants):
        book = Book.objects.create(title=str(number), author=author)
        Book.objects.filter(pk=book.pk).update(created=instant)
    day = datetime.date(2020, 3, 8)
    local = {str(n): instant.astimezone(chicago).date() for n, instant in enumerate(instants)}
    assert timezone.get_current_timezone_name() == "America/Chicago"
    for lookup, test in [("", lambda d: d == day), ("__gt", lambda d: d > day),
                         ("__gte", lambda d: d >= day), ("__lt", lambda d: d < day),
                         ("__lte", lambda d: d <= day)]:
        found = sorted(b.title for b in Book.objects.filter(
            **{"created__date" + lookup: day}))
        assert found == sorted(t for t, d in local.items() if test(d)), lookup
