"""GROUP BY as Django's get_group_by() builds it: ordering terms are grouped by, an OuterRef
selected by values() groups by nothing of its own, a HAVING filter's correlated subquery reads
the grouped values, raw aggregates (Func(function="COUNT") marked as aggregates) accumulate."""

import pytest
from django.db.models import (
    Avg, Count, F, Func, IntegerField, Min, OuterRef, Subquery, Sum, Window,
)
from django.db.models.functions import Coalesce

from tests.testapp.models import Author, Book, Tag

pytestmark = pytest.mark.usefixtures("db")

COUNT_TAGS = {"$sum": {"$cond": [
    {"$ne": [{"$ifNull": ["$testapp_book_tags.tag_id", None]}, None]}, 1, 0]}}
BOOK_KEYS = {"g0": "$_id", "g1": "$title", "g2": "$author_id", "g3": "$editor_id",
             "g4": "$pages", "g5": "$price", "g6": "$published", "g7": "$created",
             "g7_us": "$__djongo_us__created", "g8": "$in_print"}


def _stages(queryset):
    return queryset.query.get_compiler(queryset.db).build_plan().command.args[0]


def test_an_ordering_across_a_relation_is_grouped_by():
    queryset = Book.objects.annotate(n=Count("tags")).order_by(
        "author__name", "title").values_list("title", "n")
    stages = _stages(queryset)
    assert stages[-3] == {"$group": {"_id": {**BOOK_KEYS, "g9": "$testapp_author.name"},
                                     "a0": COUNT_TAGS}}
    assert stages[-2:] == [
        {"$project": {"_id": 0, "c0": "$_id.g1", "c1": "$a0", "s0": "$_id.g9"}},
        {"$sort": {"s0": 1, "c0": 1}},
    ]


def test_rows_grouped_and_ordered_across_a_relation_come_in_that_order():
    zed = Author.objects.create(name="Zed")
    amy = Author.objects.create(name="Amy")
    tag = Tag.objects.create(label="t")
    Book.objects.create(title="a", author=zed).tags.add(tag)
    Book.objects.create(title="b", author=amy)
    Book.objects.create(title="c", author=amy).tags.add(tag)
    rows = Book.objects.annotate(n=Count("tags")).order_by("author__name", "title")
    assert [(book.title, book.n) for book in rows] == [("b", 0), ("c", 1), ("a", 1)]


def test_a_random_ordering_adds_no_group_key():
    ann = Author.objects.create(name="Ann")
    Book.objects.create(title="a", author=ann)
    Book.objects.create(title="b", author=ann)
    counts = Author.objects.annotate(n=Count("books")).order_by("?")
    assert [(author.name, author.n) for author in counts] == [("Ann", 2)]


def test_values_of_an_outer_ref_groups_by_the_selected_columns():
    inner = Book.objects.annotate(a=OuterRef("pk")).values("a").annotate(
        m=Min("pages")).values("editor")
    queryset = Author.objects.order_by().filter(pk__in=Subquery(inner)).values("name")
    assert _stages(queryset)[0]["$lookup"]["pipeline"] == [
        {"$group": {"_id": {"g0": "$editor_id"}}},
        {"$project": {"_id": 0, "c0": "$_id.g0"}},
    ]
    writer = Author.objects.create(name="Writer")
    editor = Author.objects.create(name="Editor")
    Book.objects.create(title="a", author=writer, editor=editor)
    Book.objects.create(title="b", author=writer, editor=editor)
    assert list(queryset) == [{"name": "Editor"}]


def test_a_having_subquery_runs_after_the_group_it_reads():
    long_books = Book.objects.filter(author=OuterRef("pk"), pages__gt=400).values(
        "author").annotate(c=Count("pk")).values("c")[:1]
    queryset = Author.objects.order_by().annotate(n=Count("books")).filter(
        n=Subquery(long_books, output_field=IntegerField())).values_list("name", flat=True)
    stages = _stages(queryset)
    assert [next(iter(stage)) for stage in stages] == [
        "$lookup", "$unwind", "$group", "$lookup", "$match", "$project"]
    assert stages[3]["$lookup"]["let"] == {"outer0": "$_id.g0"}
    all_long = Author.objects.create(name="All long")
    mixed = Author.objects.create(name="Mixed")
    Book.objects.create(title="a", author=all_long, pages=500)
    Book.objects.create(title="b", author=mixed, pages=500)
    Book.objects.create(title="c", author=mixed, pages=10)
    assert list(queryset) == ["All long"]


def _raw_count(column):
    raw = Func(column, function="COUNT")
    raw.contains_aggregate = True
    return raw


def test_a_raw_count_is_a_count_accumulator():
    stages = _stages(Author.objects.order_by().annotate(n=_raw_count("books")).values("n"))
    assert stages[2]["$group"]["a0"] == {"$sum": {"$cond": [
        {"$ne": [{"$ifNull": ["$testapp_book._id", None]}, None]}, 1, 0]}}


def test_raw_aggregates_answer_as_their_django_counterparts():
    ann = Author.objects.create(name="Ann", age=30)
    Author.objects.create(name="Bob", age=50)
    Book.objects.create(title="a", author=ann, pages=10)
    Book.objects.create(title="b", author=ann, pages=30)
    raw = {}
    for name in ("SUM", "MIN", "MAX", "AVG"):
        raw[name] = Func("pages", function=name)
        raw[name].contains_aggregate = True
    assert Book.objects.aggregate(**raw) == {"SUM": 40, "MIN": 10, "MAX": 30, "AVG": 20}
    assert Author.objects.filter(name="Ann").aggregate(n=_raw_count("books")) == {"n": 2}
    # Over no rows it still gives its row: COUNT is 0 (one query: it has no
    # empty_result_set_value for Django to fill in).
    assert Author.objects.none().aggregate(s=Sum("age"), n=_raw_count("books")) == {
        "s": None, "n": 0}


def test_a_raw_aggregate_of_several_arguments_is_refused():
    raw = Func("pages", "pages", function="COUNT")
    raw.contains_aggregate = True
    with pytest.raises(Exception, match="COUNT\\(\\) takes one argument"):
        Book.objects.aggregate(n=raw)


def test_an_aggregate_over_a_window_sums_the_window_values():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    for title, author, pages in (("x", ann, 100), ("y", ann, 300), ("z", bob, 1000)):
        Book.objects.create(title=title, author=author, pages=pages)
    per_author = Book.objects.annotate(average=Coalesce(
        Window(Avg("pages"), partition_by=F("author")), 0.0))
    assert per_author.aggregate(total=Sum("average"), n=Count("id")) == {
        "total": 1400.0, "n": 3}


def _books_counted_by_a_raw_count():
    # django-treebeard's idiom: a subquery whose only column is COUNT(pk), unmarked, so that
    # Django adds no GROUP BY and SQL counts the subquery's rows.
    return Subquery(Book.objects.filter(author=OuterRef("pk")).order_by().annotate(
        c=Func(F("pk"), function="Count")).values("c"), output_field=IntegerField())


def test_an_unmarked_raw_count_in_a_subquery_counts_its_rows():
    ann = Author.objects.create(name="Ann")
    bob = Author.objects.create(name="Bob")
    Author.objects.create(name="Cid")
    for title, author in (("a", ann), ("b", ann), ("c", bob)):
        Book.objects.create(title=title, author=author)
    counted = Author.objects.annotate(n=_books_counted_by_a_raw_count() - 1)
    # No book: COUNT is 0 as in SQL, not an empty subquery's NULL.
    assert [(author.name, author.n) for author in counted] == [("Ann", 1), ("Bob", 0),
                                                                ("Cid", -1)]
    assert list(Author.objects.annotate(n=_books_counted_by_a_raw_count()).filter(
        n=0).values_list("name", flat=True)) == ["Cid"]


def test_an_unmarked_raw_count_groups_the_whole_query_into_one_row():
    stages = _stages(Book.objects.order_by().annotate(
        c=Func(F("pages"), function="COUNT")).values("c"))
    assert stages == [
        {"$facet": {"groups": [{"$group": {"_id": None, "a0": {"$sum": {"$cond": [
            {"$ne": [{"$ifNull": ["$pages", None]}, None]}, 1, 0]}}}}]}},
        {"$replaceWith": {"$ifNull": [{"$arrayElemAt": ["$groups", 0]},
                                      {"_id": {"$literal": None}, "a0": {"$literal": 0}}]}},
        {"$project": {"_id": 0, "c0": "$a0"}},
    ]
    Book.objects.create(title="a", author=Author.objects.create(name="Ann"), pages=5)
    assert list(Book.objects.order_by().annotate(
        total=Func(F("pages"), function="SUM")).values_list("total", flat=True)) == [5]


def test_an_unmarked_function_of_several_arguments_is_no_aggregate():
    # SQLite's MAX(a, b) is a scalar function; MongoDB has no translation of it by name.
    with pytest.raises(Exception, match="no MongoDB translation"):
        list(Book.objects.annotate(m=Func(F("pages"), F("pages"), function="MAX")))
