"""RANGE window frames: peers for any ordering (through a dense rank), and offsets over numbers,
decimals, durations, dates and datetimes (a numeric key MongoDB's range windows can use)."""

import datetime
from decimal import Decimal

import pytest
from bson import Decimal128
from django.db import NotSupportedError, connection, models
from django.db.models import Count, F, Sum, ValueRange, Window
from django.db.models import functions as f
from django.test.utils import isolate_apps

from tests.test_translation import command
from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")

DAY = datetime.date(2024, 3, 10)
NOON = datetime.datetime(2024, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def books():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    rows = [  # title, author, pages, price, published (days after DAY), created (hours after NOON)
        ("A1", ann, 100, "10.00", 0, 0),
        ("A2", ann, 300, "10.50", 1, 1),
        ("A3", ann, 300, "11.25", 3, 5),
        ("A4", ann, 120, None, None, 2),
        ("B1", bob, 50, "3.00", 0, 0),
        ("B2", bob, 70, "3.40", 2, 1),
    ]
    for title, author, pages, price, day, hours in rows:
        book = Book.objects.create(
            title=title, author=author, pages=pages, price=price and Decimal(price),
            published=None if day is None else DAY + datetime.timedelta(days=day))
        Book.objects.filter(pk=book.pk).update(created=NOON + datetime.timedelta(hours=hours))
    return ann, bob


def values(queryset, name):
    return dict(queryset.values_list("title", name))


def test_peers_of_a_text_ordering_share_the_running_total(books):
    Book.objects.filter(title="A3").update(title="A2")  # two books titled A2 are peers
    totals = Book.objects.filter(author__name="Ann").annotate(
        running=Window(Sum("pages"), order_by="title")).order_by("title", "pages")
    assert list(totals.values_list("title", "running")) == [
        ("A1", 100), ("A2", 700), ("A2", 700), ("A4", 820)]


def test_peers_frame_sorts_by_the_dense_rank_of_the_ordering():
    queryset = Book.objects.annotate(
        running=Window(Sum("pages"), partition_by="author", order_by="-title")).values("running")
    assert command(queryset).args[0][:2] == [
        {"$setWindowFields": {"partitionBy": "$author_id", "sortBy": {"title": -1},
                              "output": {"__w0_r": {"$denseRank": {}}}}},
        {"$setWindowFields": {"partitionBy": "$author_id", "sortBy": {"__w0_r": 1}, "output": {
            "__w0": {"$sum": "$pages", "window": {"range": ["unbounded", 0]}},
            "__w0_n": {"$sum": {"$cond": [{"$ne": [{"$ifNull": ["$pages", None]}, None]}, 1, 0]},
                       "window": {"range": ["unbounded", 0]}}}}},
    ]


def test_first_value_over_a_descending_ordering_is_the_partitions_first(books):
    firsts = Book.objects.annotate(
        top=Window(f.FirstValue("title"), partition_by="author", order_by=["-pages", "title"]))
    assert values(firsts, "top") == {
        "A1": "A2", "A2": "A2", "A3": "A2", "A4": "A2", "B1": "B2", "B2": "B2"}


def test_cume_dist_over_a_text_ordering(books):
    spread = Book.objects.filter(author__name="Bob").annotate(
        cume=Window(f.CumeDist(), order_by="title"))
    assert values(spread, "cume") == {"B1": 0.5, "B2": 1.0}


def test_current_row_in_a_range_frame_takes_in_the_peers(books):
    # RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING: A2 and A3 (300 pages) see each other.
    rest = Book.objects.filter(author__name="Ann").annotate(
        rest=Window(Count("pk"), order_by="pages", frame=ValueRange(start=0, end=None)))
    assert values(rest, "rest") == {"A1": 4, "A4": 3, "A2": 2, "A3": 2}


def test_offsets_over_a_descending_number(books):
    # Ordered by pages descending, 50 preceding means up to 50 pages more.
    near = Book.objects.annotate(near=Window(
        Sum("pages"), partition_by="author", order_by=F("pages").desc(),
        frame=ValueRange(start=-50, end=0)))
    assert values(near, "near") == {
        "A1": 220, "A2": 600, "A3": 600, "A4": 120, "B1": 120, "B2": 70}


def test_offsets_over_a_date_count_days_and_keep_nulls_apart(books):
    for frame in (ValueRange(start=-1, end=1),
                  ValueRange(start=-datetime.timedelta(days=1), end=datetime.timedelta(days=1))):
        near = Book.objects.annotate(near=Window(Count("pk"), order_by="published", frame=frame))
        # A1 and B1 (day 0), A2 (day 1), B2 (day 2), A3 (day 3); A4 has no date: only its peers.
        assert values(near, "near") == {
            "A1": 3, "B1": 3, "A2": 4, "B2": 3, "A3": 2, "A4": 1}


def test_a_date_offset_frame_is_a_numeric_range_over_milliseconds():
    queryset = Book.objects.annotate(near=Window(
        Count("pk"), order_by="published", frame=ValueRange(start=-1, end=2))).values("near")
    assert command(queryset).args[0][:2] == [
        {"$addFields": {"__w0_k": {"$ifNull": [{"$toLong": "$published"}, 0]}}},
        {"$setWindowFields": {
            "partitionBy": {"p": None, "n": {"$eq": [
                {"$ifNull": [{"$toLong": "$published"}, None]}, None]}},
            "sortBy": {"__w0_k": 1},
            "output": {"__w0": {"$sum": {"$cond": [{"$ne": [{"$ifNull": ["$_id", None]}, None]},
                                                   1, 0]},
                                "window": {"range": [-86_400_000, 172_800_000]}}}}},
    ]


def test_offsets_over_a_datetime_are_timedeltas(books):
    near = Book.objects.filter(author__name="Ann").annotate(near=Window(
        Count("pk"), order_by="created",
        frame=ValueRange(start=-datetime.timedelta(hours=1), end=datetime.timedelta(0))))
    assert values(near, "near") == {"A1": 1, "A2": 2, "A4": 2, "A3": 1}
    with pytest.raises(NotSupportedError, match="datetime.timedelta"):
        list(Book.objects.annotate(n=Window(Count("pk"), order_by="created",
                                            frame=ValueRange(start=-1, end=0))))


def test_offsets_over_a_decimal(books):
    near = Book.objects.filter(author__name="Ann", price__isnull=False).annotate(near=Window(
        Count("pk"), order_by="price", frame=ValueRange(start=Decimal("-0.5"), end=0)))
    assert values(near, "near") == {"A1": 1, "A2": 2, "A3": 1}
    (stage,) = [stage for stage in command(near.values("near")).args[0]
                if "$setWindowFields" in stage]
    assert stage["$setWindowFields"]["output"]["__w0"]["window"] == {
        "range": [Decimal128("-0.5"), 0]}


def test_offsets_of_the_wrong_kind_are_refused(books):
    with pytest.raises(NotSupportedError, match="number, not a timedelta"):
        list(Book.objects.annotate(n=Window(
            Count("pk"), order_by="pages", frame=ValueRange(start=-datetime.timedelta(1), end=0))))
    with pytest.raises(ValueError, match="start argument must be a negative integer"):
        list(Book.objects.annotate(n=Window(
            Count("pk"), order_by="pages", frame=ValueRange(start="a", end=0))))


@pytest.fixture
def shifts():
    with isolate_apps("tests.testapp"):
        class Shift(models.Model):
            length = models.DurationField()

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Shift)
        try:
            yield Shift
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Shift)


def test_offsets_over_a_duration(shifts):
    for minutes in (60, 90, 100, 200):
        shifts.objects.create(length=datetime.timedelta(minutes=minutes))
    near = shifts.objects.annotate(near=Window(
        Count("pk"), order_by="length",
        frame=ValueRange(start=-datetime.timedelta(minutes=30), end=datetime.timedelta(0))))
    assert sorted(near.values_list("length", "near")) == [
        (datetime.timedelta(minutes=60), 1), (datetime.timedelta(minutes=90), 2),
        (datetime.timedelta(minutes=100), 2), (datetime.timedelta(minutes=200), 1)]
    # Offsets of an hour and more are beyond a 32-bit number of microseconds.
    within_hours = shifts.objects.annotate(near=Window(
        Count("pk"), order_by="length",
        frame=ValueRange(start=-datetime.timedelta(hours=1), end=datetime.timedelta(hours=2))))
    assert sorted(within_hours.values_list("length", "near")) == [
        (datetime.timedelta(minutes=60), 3), (datetime.timedelta(minutes=90), 4),
        (datetime.timedelta(minutes=100), 4), (datetime.timedelta(minutes=200), 1)]
    with pytest.raises(NotSupportedError, match="DurationField must be a datetime.timedelta"):
        list(shifts.objects.annotate(n=Window(Count("pk"), order_by="length",
                                              frame=ValueRange(start=-5, end=0))))


def test_rank_over_several_keys_ranks_by_their_dense_rank(books):
    # MongoDB's $rank takes one sort field: several are numbered first, then ranked.
    queryset = Book.objects.annotate(
        rank=Window(f.Rank(), order_by=[F("author").asc(), F("pages").desc()]))
    stages = command(queryset.values("rank")).args[0]
    assert stages[0] == {"$setWindowFields": {
        "sortBy": {"author_id": 1, "pages": -1}, "output": {"__w0_start": {"$shift": {
            "output": {"k0": {"$ifNull": ["$author_id", None]},
                       "k1": {"$ifNull": ["$pages", None]}}, "by": -1}}}}}
    assert stages[3] == {"$setWindowFields": {"sortBy": {"__w0_r": 1},
                                              "output": {"__w0": {"$rank": {}}}}}
    assert values(queryset, "rank") == {
        "A2": 1, "A3": 1, "A4": 3, "A1": 4, "B2": 5, "B1": 6}


def test_a_window_in_a_grouped_query_runs_over_the_groups(books):
    grouped = Book.objects.annotate(
        tags_count=Count("tags"),
        longest=Window(models.Max("pages"), partition_by="author"),
        rank=Window(f.Rank(), partition_by="author", order_by=F("pages").desc()),
    )
    assert {title: (n, longest, rank) for title, n, longest, rank in grouped.values_list(
        "title", "tags_count", "longest", "rank")} == {
        "A1": (0, 300, 4), "A2": (0, 300, 1), "A3": (0, 300, 1), "A4": (0, 300, 3),
        "B1": (0, 70, 2), "B2": (0, 70, 1)}
