"""DateTimeField values keep their microseconds (djongo_core/sub_milliseconds.py).

A BSON date counts milliseconds; the microseconds below it live under a hidden key beside the
date. Every value here shares its millisecond with another and differs from it by microseconds
only, so a test passes only if that key is written, read, compared and sorted by.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, models
from django.db.models import (
    Count, DateTimeField, F, Max, Min, OuterRef, Subquery, TimeField, Value, ValueRange,
    Window,
)
from django.db.models.functions import (
    Cast, ExtractSecond, Greatest, Lag, Lead, Now, NthValue, Rank, RowNumber, TruncSecond,
    TruncTime, TruncYear,
)
from django.test.utils import isolate_apps

from djongo_core.command import Command
from djongo_core.raw import raw_aggregate
from djongo_core.sub_milliseconds import hidden_key
from tests.testapp.models import Author, Book, Sample

pytestmark = pytest.mark.usefixtures("db")

UTC = datetime.UTC
# One millisecond, three values in it, and the millisecond's first microsecond.
MS = datetime.datetime(2024, 5, 1, 13, 42, 7, 123000, tzinfo=UTC)
EARLY, MIDDLE, LATE = (MS + datetime.timedelta(microseconds=n) for n in (1, 456, 999))


def document(model, pk):
    return connection.executor.run(Command(model._meta.db_table, "find_one", ({"_id": pk},)))


@pytest.fixture
def samples():
    """Four samples in one millisecond, created out of order."""
    return {value: Sample.objects.create(moment=value).pk for value in (MIDDLE, MS, LATE, EARLY)}


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_the_microseconds_below_the_millisecond_have_a_key_of_their_own(samples):
    stored = document(Sample, samples[MIDDLE])
    assert stored["moment"] == MS.replace(tzinfo=None)
    assert stored[hidden_key("moment")] == 456
    # A whole millisecond has no key.
    assert hidden_key("moment") not in document(Sample, samples[MS])


def test_values_are_read_back_exactly(samples):
    assert Sample.objects.get(pk=samples[MIDDLE]).moment == MIDDLE
    assert Sample.objects.get(pk=samples[MS]).moment == MS
    assert set(Sample.objects.values_list("moment", flat=True)) == set(samples)
    sample = Sample(pk=samples[LATE])
    sample.refresh_from_db()
    assert sample.moment == LATE


@pytest.mark.parametrize(("lookup", "value", "expected"), [
    ("exact", MIDDLE, {MIDDLE}),
    ("exact", MS, {MS}),
    ("gt", MIDDLE, {LATE}),
    ("gt", MS, {EARLY, MIDDLE, LATE}),
    ("gt", LATE, set()),
    ("gte", MIDDLE, {MIDDLE, LATE}),
    ("lt", MIDDLE, {MS, EARLY}),
    ("lt", MS, set()),
    ("lte", EARLY, {MS, EARLY}),
    ("lte", LATE, {MS, EARLY, MIDDLE, LATE}),
    ("in", [EARLY, MS], {EARLY, MS}),
    ("range", (EARLY, MIDDLE), {EARLY, MIDDLE}),
])
def test_filters_compare_to_the_microsecond(samples, lookup, value, expected):
    assert pks(Sample.objects.filter(**{f"moment__{lookup}": value})) == {
        samples[v] for v in expected}


def test_exclude_keeps_the_other_values_and_nulls_as_sql_does(samples):
    empty = Sample.objects.create(moment=None)
    assert pks(Sample.objects.exclude(moment=MIDDLE)) == {
        *(samples[v] for v in (MS, EARLY, LATE)), empty.pk}


def test_a_comparison_is_one_index_friendly_query_document():
    query = Sample.objects.filter(moment__gt=MIDDLE).query
    match = query.get_compiler("default").build_plan().command.args[0]
    assert match == {"$or": [
        {"moment": {"$gt": MS.replace(tzinfo=None)}},
        {"moment": MS.replace(tzinfo=None), hidden_key("moment"): {"$gt": 456}},
    ]}


def test_ordering_sorts_by_the_microseconds(samples):
    assert list(Sample.objects.order_by("moment").values_list("moment", flat=True)) == [
        MS, EARLY, MIDDLE, LATE]
    assert list(Sample.objects.order_by("-moment")[:2].values_list("moment", flat=True)) == [
        LATE, MIDDLE]
    assert Sample.objects.latest("moment").moment == LATE
    assert Sample.objects.earliest("moment").moment == MS


def test_min_max_and_filtering_on_them(samples):
    extremes = Sample.objects.aggregate(first=Min("moment"), last=Max("moment"))
    assert extremes == {"first": MS, "last": LATE}
    assert Sample.objects.get(moment=extremes["last"]).pk == samples[LATE]
    assert pks(Sample.objects.annotate(last=Max("moment")).filter(last=LATE)) == {samples[LATE]}


def test_grouping_and_distinct_counts_tell_microseconds_apart(samples):
    # As SQL: four datetimes of one millisecond are four groups and four distinct values.
    groups = Sample.objects.values("moment").annotate(n=Count("pk")).order_by("moment")
    assert [(row["moment"], row["n"]) for row in groups] == [
        (MS, 1), (EARLY, 1), (MIDDLE, 1), (LATE, 1)]
    assert Sample.objects.aggregate(n=Count("moment", distinct=True)) == {"n": 4}
    Sample.objects.create(moment=MIDDLE)
    grouped = Sample.objects.values("moment").annotate(n=Count("pk"))
    assert {row["moment"]: row["n"] for row in grouped} == {MS: 1, EARLY: 1, MIDDLE: 2, LATE: 1}
    assert [row["moment"] for row in grouped.filter(n=2)] == [MIDDLE]
    assert [row["moment"] for row in grouped.filter(moment__gt=MIDDLE)] == [LATE]
    assert Sample.objects.aggregate(n=Count("moment", distinct=True)) == {"n": 4}


def test_windows_order_partition_and_pick_datetimes_to_the_microsecond(samples):
    rows = Sample.objects.annotate(
        row=Window(RowNumber(), order_by=F("moment").desc()),
        rank=Window(Rank(), order_by="moment"),
        peers=Window(Count("pk"), partition_by="moment"),
        previous=Window(Lag("moment"), order_by="moment"),
        following=Window(Lead("moment", 1, Value(MS)), order_by="moment"),
        second=Window(NthValue("moment", 2), order_by="moment"),
        last=Window(Max("moment")),
        last_second=TruncSecond(Window(Max("moment"))),
    ).order_by("moment")
    assert [(row.moment, row.row, row.rank, row.peers, row.previous, row.following,
             row.second, row.last) for row in rows] == [
        (MS, 4, 1, 1, None, EARLY, None, LATE),
        (EARLY, 3, 2, 1, MS, MIDDLE, EARLY, LATE),
        (MIDDLE, 2, 3, 1, EARLY, LATE, EARLY, LATE),
        (LATE, 1, 4, 1, MIDDLE, MS, EARLY, LATE),
    ]
    assert {row.last_second for row in rows} == {MS.replace(microsecond=0)}
    assert [row.moment for row in rows.filter(previous=MIDDLE)] == [LATE]
    # A RANGE frame over the datetime counts in microseconds, its offsets too.
    near = Sample.objects.annotate(near=Window(Count("pk"), order_by="moment", frame=ValueRange(
        start=-datetime.timedelta(microseconds=455), end=datetime.timedelta(0))))
    assert sorted(near.values_list("moment", "near")) == [
        (MS, 1), (EARLY, 2), (MIDDLE, 2), (LATE, 1)]


def test_subqueries_compare_to_the_microsecond(samples):
    latest = Sample.objects.order_by("-moment").values("moment")[:1]
    assert pks(Sample.objects.filter(moment=Subquery(latest))) == {samples[LATE]}
    assert pks(Sample.objects.filter(moment__in=Sample.objects.filter(
        pk__in=[samples[EARLY], samples[MS]]).values("moment"))) == {samples[EARLY], samples[MS]}
    same = Sample.objects.filter(pk=OuterRef("pk")).values("moment")[:1]
    assert pks(Sample.objects.filter(moment=Subquery(same))) == set(samples.values())


def test_comparisons_between_columns_and_their_difference():
    author = Author.objects.create(name="Ann", age=30)
    book = Book.objects.create(title="A", author=author, pages=1)
    Book.objects.filter(pk=book.pk).update(created=MIDDLE)
    before = Sample.objects.create(moment=EARLY, book=book)
    after = Sample.objects.create(moment=LATE, book=book)

    assert pks(Sample.objects.filter(moment__lt=F("book__created"))) == {before.pk}
    gaps = dict(Sample.objects.annotate(gap=F("moment") - F("book__created"))
                .values_list("pk", "gap"))
    assert gaps == {before.pk: datetime.timedelta(microseconds=-455),
                    after.pk: datetime.timedelta(microseconds=543)}
    assert Sample.objects.select_related("book").get(pk=after.pk).book.created == MIDDLE


def test_updates_write_remove_and_carry_the_microseconds(samples):
    pk = samples[MIDDLE]
    Sample.objects.filter(pk=pk).update(moment=F("moment") + datetime.timedelta(microseconds=600))
    assert Sample.objects.get(pk=pk).moment == MS + datetime.timedelta(microseconds=1056)
    Sample.objects.filter(pk=pk).update(moment=MS)
    assert hidden_key("moment") not in document(Sample, pk)
    Sample.objects.filter(pk=pk).update(moment=LATE)
    assert Sample.objects.get(pk=pk).moment == LATE
    # The server's clock has whole milliseconds: the key goes.
    Sample.objects.filter(pk=pk).update(moment=Now())
    assert hidden_key("moment") not in document(Sample, pk)


def test_save_bulk_update_and_update_conflicts(samples):
    sample = Sample.objects.get(pk=samples[MS])
    sample.moment = EARLY
    sample.save()
    assert Sample.objects.get(pk=sample.pk).moment == EARLY
    objects = list(Sample.objects.filter(pk__in=[samples[LATE], samples[MIDDLE]]))
    for obj in objects:
        obj.moment = obj.moment - datetime.timedelta(microseconds=1)
    Sample.objects.bulk_update(objects, ["moment"])
    assert set(Sample.objects.filter(pk__in=[o.pk for o in objects])
               .values_list("moment", flat=True)) == {
        LATE - datetime.timedelta(microseconds=1), MIDDLE - datetime.timedelta(microseconds=1)}


def test_date_functions_read_the_date(samples):
    row = Sample.objects.annotate(second=ExtractSecond("moment"),
                                  whole=TruncSecond("moment")).get(pk=samples[LATE])
    assert (row.second, row.whole) == (7, MS.replace(microsecond=0))


def test_documents_without_the_key_hold_whole_milliseconds():
    connection.executor.run(Command(Sample._meta.db_table, "insert_one",
                                    ({"_id": 900, "moment": MS.replace(tzinfo=None)},)))
    assert Sample.objects.get(pk=900).moment == MS
    assert Sample.objects.filter(moment=MS).get().pk == 900
    assert not Sample.objects.filter(moment__gt=MS).exists()


@pytest.fixture
def stamp_model():
    with isolate_apps("tests.testapp"):
        class Stamp(models.Model):
            at = models.DateTimeField(unique=True)
            seen = models.DateTimeField(db_index=True, null=True)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Stamp)
        yield Stamp
        connection.mongo_database.drop_collection("testapp_stamp")


def index_keys(table):
    return [info["key"] for name, info in
            connection.mongo_database[table].index_information().items() if name != "_id_"]


def test_indexes_and_unique_constraints_include_the_microseconds(stamp_model):
    assert sorted(index_keys("testapp_stamp")) == [
        [("at", 1), (hidden_key("at"), 1)], [("seen", 1), (hidden_key("seen"), 1)]]
    stamp_model.objects.create(at=EARLY)
    stamp_model.objects.create(at=LATE)  # the same millisecond, another value
    with pytest.raises(IntegrityError):
        stamp_model.objects.create(at=LATE)
    # Introspection reports the column alone.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "testapp_stamp")
    assert sorted(c["columns"] for c in constraints.values() if c["index"]) == [
        ["at"], ["id"], ["seen"]]


def test_renaming_and_removing_a_field_take_its_microseconds_along(stamp_model):
    stamp = stamp_model.objects.create(at=EARLY, seen=MIDDLE)
    old = stamp_model._meta.get_field("seen")
    new = models.DateTimeField(db_index=True, null=True)
    new.set_attributes_from_name("noticed")
    new.model = stamp_model
    with connection.schema_editor() as editor:
        editor.alter_field(stamp_model, old, new)
    stored = document(stamp_model, stamp.pk)
    assert stored[hidden_key("noticed")] == 456 and hidden_key("seen") not in stored
    assert [("noticed", 1), (hidden_key("noticed"), 1)] in index_keys("testapp_stamp")
    with connection.schema_editor() as editor:
        editor.remove_field(stamp_model, new)
    assert hidden_key("noticed") not in document(stamp_model, stamp.pk)


def test_times_of_day_greatest_and_raw_pipelines_keep_the_microseconds(samples):
    chicago = ZoneInfo("America/Chicago")  # the tests' TIME_ZONE
    row = Sample.objects.annotate(
        local=TruncTime("moment"),
        utc=Cast("moment", TimeField()),
        top=Greatest("moment", Value(EARLY)),
    ).get(pk=samples[MIDDLE])
    assert row.local == MIDDLE.astimezone(chicago).time()
    assert row.utc == MIDDLE.time()
    assert row.top == MIDDLE
    assert pks(Sample.objects.filter(moment__time=MIDDLE.astimezone(chicago).time())) == {
        samples[MIDDLE]}
    (raw,) = raw_aggregate(Sample, [{"$match": {"_id": samples[LATE]}}])
    assert raw.moment == LATE


def test_update_conflicts_match_and_write_the_microseconds(stamp_model):
    stamp_model.objects.create(at=EARLY, seen=MS)
    stamp_model.objects.bulk_create(
        [stamp_model(at=EARLY, seen=LATE), stamp_model(at=LATE, seen=MIDDLE)],
        update_conflicts=True, unique_fields=["at"], update_fields=["seen"])

    assert sorted(stamp_model.objects.values_list("at", "seen")) == [(EARLY, LATE), (LATE, MIDDLE)]
    stamp_model.objects.bulk_create([stamp_model(at=LATE, seen=MS)], update_conflicts=True,
                                    unique_fields=["at"], update_fields=["seen"])
    stored = connection.mongo_database.testapp_stamp.find_one({hidden_key("at"): 999})
    assert stored["seen"] == MS.replace(tzinfo=None) and hidden_key("seen") not in stored


def test_a_range_between_columns_compares_to_the_microsecond():
    author = Author.objects.create(name="Ann", age=30)
    book = Book.objects.create(title="A", author=author, pages=1)
    Book.objects.filter(pk=book.pk).update(created=MIDDLE)
    Sample.objects.create(moment=EARLY, book=book)
    inside = Sample.objects.create(moment=MIDDLE, book=book)

    assert pks(Sample.objects.filter(
        moment__range=[F("book__created"), F("book__created")])) == {inside.pk}


def test_date_functions_of_min_max_read_their_date_and_a_cast_value_is_whole(samples):
    newest = Sample.objects.filter(pk=OuterRef("pk")).values("pk").annotate(
        last=Max("moment")).values("last")
    row = Sample.objects.annotate(
        year=TruncYear(Subquery(newest, output_field=DateTimeField())),
        given=Cast(Value(MIDDLE), DateTimeField()),
    ).get(pk=samples[LATE])
    assert row.year == datetime.datetime(2024, 1, 1, tzinfo=ZoneInfo("America/Chicago"))
    assert row.given == MIDDLE
