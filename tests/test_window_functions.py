"""Window functions as $setWindowFields: ranking, offsets, running aggregates, frames, and
filters on window values."""

import pytest
from django.db import NotSupportedError
from django.db.models import Avg, Count, F, Prefetch, Q, RowRange, Sum, ValueRange, Window
from django.db.models import functions as f

from tests.test_translation import command
from tests.testapp.models import Author, Book, Tag

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def books():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    for title, author, pages in [("A1", ann, 100), ("A2", ann, 300), ("A3", ann, 300),
                                 ("B1", bob, 50), ("B2", bob, 70)]:
        Book.objects.create(title=title, author=author, pages=pages)
    return ann, bob


def rows(queryset, *names):
    return list(queryset.order_by("title").values_list("title", *names))


def test_row_number_is_a_set_window_fields_stage():
    queryset = Book.objects.annotate(
        n=Window(f.RowNumber(), partition_by=F("author"), order_by=F("pages").desc())
    ).values("title", "n")
    assert command(queryset).args[0] == [
        {"$setWindowFields": {"partitionBy": "$author_id", "sortBy": {"pages": -1},
                              "output": {"__w0": {"$documentNumber": {}}}}},
        {"$project": {"_id": 0, "c0": "$title", "c1": "$__w0"}},
    ]


def test_ranking_functions(books):
    ranked = Book.objects.annotate(
        rank=Window(f.Rank(), partition_by="author", order_by=F("pages").desc()),
        dense=Window(f.DenseRank(), order_by=F("pages").desc()),
    )
    assert rows(ranked, "rank", "dense") == [
        ("A1", 3, 2), ("A2", 1, 1), ("A3", 1, 1), ("B1", 2, 4), ("B2", 1, 3)]


def test_running_total_includes_peers_as_sql_does(books):
    totals = Book.objects.annotate(
        running=Window(Sum("pages"), partition_by="author", order_by="pages"))
    # A2 and A3 tie on pages: both see 100 + 300 + 300.
    assert rows(totals, "running") == [
        ("A1", 100), ("A2", 700), ("A3", 700), ("B1", 50), ("B2", 120)]


def test_whole_partition_without_ordering_and_explicit_frames(books):
    annotated = Book.objects.annotate(
        average=Window(Avg("pages"), partition_by="author"),
        moving=Window(Sum("pages"), partition_by="author", order_by=["pages", "title"],
                      frame=RowRange(start=-1, end=0)),
        near=Window(Sum("pages"), partition_by="author",
                    order_by="pages", frame=ValueRange(start=-50, end=50)),
    )
    assert rows(annotated, "average", "moving", "near") == [
        ("A1", pytest.approx(700 / 3), 100, 100), ("A2", pytest.approx(700 / 3), 400, 600),
        ("A3", pytest.approx(700 / 3), 600, 600), ("B1", 60, 50, 120), ("B2", 60, 120, 120)]


def test_lag_lead_and_ntile(books):
    shifted = Book.objects.annotate(
        previous=Window(f.Lag("pages"), partition_by="author", order_by="title"),
        following=Window(f.Lead("pages", offset=1, default=0), partition_by="author",
                         order_by="title"),
        tile=Window(f.Ntile(2), order_by="title"),
    )
    assert rows(shifted, "previous", "following", "tile") == [
        ("A1", None, 300, 1), ("A2", 100, 300, 1), ("A3", 300, 0, 1), ("B1", None, 70, 2),
        ("B2", 50, 0, 2)]


def test_filtering_on_a_window_value(books):
    first = Book.objects.annotate(
        n=Window(f.RowNumber(), partition_by="author", order_by="title")).filter(n=1)
    assert rows(first) == [("A1",), ("B1",)]


def test_a_range_frame_with_offsets_needs_a_numeric_or_date_ordering(books):
    with pytest.raises(NotSupportedError, match="RANGE window frame with offsets"):
        list(Book.objects.annotate(x=Window(Sum("pages"), order_by="title",
                                            frame=ValueRange(start=-1, end=0))))


def test_row_number_without_ordering_numbers_rows_in_id_order(books):
    numbered = Book.objects.annotate(n=Window(f.RowNumber(), partition_by="author"))
    assert sorted(numbered.values_list("n", flat=True)) == [1, 1, 2, 2, 3]


def test_prefetching_a_sliced_queryset_keeps_each_authors_first_books(books):
    authors = Author.objects.prefetch_related(Prefetch(
        "books", queryset=Book.objects.order_by("-pages", "title")[:2], to_attr="longest"))
    assert {a.name: [b.title for b in a.longest] for a in authors} == {
        "Ann": ["A2", "A3"], "Bob": ["B2", "B1"]}


def test_a_window_filter_ored_with_an_aggregate_filter_groups_by_the_window_s_columns(books):
    # Django sends the whole OR to QUALIFY; the window's partition and ordering columns must
    # survive the $group that computes the Count, or every row ranks first.
    Book.objects.get(title="B1").tags.add(Tag.objects.create(label="short"))
    queryset = Book.objects.annotate(
        rank=Window(f.Rank(), partition_by=F("author"), order_by=F("pages").desc()),
        n_tags=Count("tags"),
    ).filter(Q(rank=1) | Q(n_tags__gte=1))
    assert sorted(queryset.values_list("title", flat=True)) == ["A2", "A3", "B1", "B2"]
