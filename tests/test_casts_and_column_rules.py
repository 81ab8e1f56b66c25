"""Casts, local dates, JSON arrays, bilateral transforms and the column rules (NOT NULL and
non-negative) that SQL declares and djongo-core enforces before writing."""

import datetime
import decimal

import pytest
from django.db import DataError, IntegrityError, connection
from django.db.models import CharField, DecimalField, DurationField, F, FloatField, Value
from django.db.models import functions as f
from django.test.utils import CaptureQueriesContext, register_lookup
from django.utils import timezone

from tests.test_translation import command
from tests.testapp.models import Author, Book

pytestmark = pytest.mark.usefixtures("db")

CHICAGO = "America/Chicago"  # tests.settings.TIME_ZONE


class UpperBilateral(f.Upper):
    bilateral = True


def projected(queryset):
    """Return the $project stage a values() query computes its columns in."""
    (stage,) = [stage for stage in command(queryset).args[0] if "$project" in stage]
    return stage["$project"]


def guarded(field, expression):
    """SQL's rule for functions as the compiler writes it: null in, null out."""
    return {"$cond": [{"$ne": [{"$ifNull": [field, None]}, None]}, expression, None]}


def test_a_local_date_is_midnight_utc_of_the_local_day_as_dates_are_stored():
    local = {"date": "$created", "timezone": CHICAGO}
    assert projected(Book.objects.annotate(day=f.TruncDate("created")).values("day")) == {
        "_id": 0,
        "c0": guarded("$created", {"$dateFromParts": {
            "year": {"$year": local}, "month": {"$month": local},
            "day": {"$dayOfMonth": local}}}),
    }


def test_date_lookup_compares_the_local_day(author):
    # 22:30 in Chicago on March 12th is March 13th in UTC.
    late = timezone.make_aware(datetime.datetime(2014, 3, 12, 22, 30))
    book = Book.objects.create(title="Late", author=author)
    Book.objects.filter(pk=book.pk).update(created=late)
    assert list(Book.objects.filter(created__date=datetime.date(2014, 3, 12))) == [book]
    with timezone.override("UTC"):
        assert list(Book.objects.filter(created__date=datetime.date(2014, 3, 13))) == [book]


def test_fixed_offset_time_zones_are_named_as_mongodb_reads_them():
    plus_five = datetime.timezone(datetime.timedelta(hours=5))
    queryset = Book.objects.annotate(hour=f.ExtractHour("created", tzinfo=plus_five))
    assert projected(queryset.values("hour"))["c0"] == {
        "$hour": {"date": "$created", "timezone": "+05:00"}}


def test_time_zone_on_a_date_field_is_refused_as_django_does():
    with pytest.raises(ValueError, match="tzinfo can only be used with DateTimeField"):
        list(Book.objects.annotate(day=f.ExtractDay("published", tzinfo=datetime.UTC)))


def test_unknown_trunc_kind_is_a_data_error_naming_the_kinds():
    with pytest.raises(DataError, match="Invalid kind: 'year; drop'"):
        list(Book.objects.annotate(at=f.Trunc("created", "year; drop")))


def test_casts_round_decimals_and_cut_strings_to_the_target_field():
    queryset = Book.objects.annotate(
        as_float=f.Cast("price", FloatField()),
        short=f.Cast("title", CharField(max_length=3)),
        tenths=f.Cast("pages", DecimalField(max_digits=5, decimal_places=1)),
    ).values("as_float", "short", "tenths")
    assert projected(queryset) == {
        "_id": 0,
        "c0": guarded("$price", {"$toDouble": "$price"}),
        "c1": guarded("$title", {"$substrCP": [{"$toString": "$title"}, 0, 3]}),
        "c2": guarded("$pages", {"$round": [{"$toDecimal": "$pages"}, 1]}),
    }


def test_casts_evaluate_on_the_server(author):
    Book.objects.create(title="Gamma", author=author, pages=3, price=decimal.Decimal("2.25"))
    row = Book.objects.annotate(
        as_float=f.Cast("price", FloatField()),
        short=f.Cast("title", CharField(max_length=2)),
        as_decimal=f.Cast(Value(decimal.Decimal("1.25")), FloatField()),
        duration=f.Cast(Value(datetime.timedelta(seconds=-1)), DurationField()),
        author_key=f.Cast(Value("7"), Book._meta.get_field("author")),
    ).values("as_float", "short", "as_decimal", "duration", "author_key").get()
    assert row == {"as_float": 2.25, "short": "Ga", "as_decimal": 1.25,
                   "duration": datetime.timedelta(seconds=-1), "author_key": 7}


def test_decimal_columns_read_back_with_their_declared_scale(author):
    book = Book.objects.create(title="Delta", author=author, price=decimal.Decimal("8"))
    book.refresh_from_db()
    assert str(book.price) == "8.00"


def test_json_array_evaluates_each_member(author):
    assert projected(Author.objects.annotate(pair=f.JSONArray("name", F("age"))).values("pair")) \
        == {"_id": 0, "c0": ["$name", "$age"]}
    assert Author.objects.annotate(pair=f.JSONArray("name", F("age"))).values_list(
        "pair", flat=True).get() == ["Ann", 40]


def test_bilateral_transforms_apply_to_the_values_too(author):
    with register_lookup(CharField, UpperBilateral):
        queryset = Author.objects.filter(name__upper__in=["ann", "zed"])
        match = command(queryset).args[0]["$expr"]["$and"][0]
        assert match["$in"][1] == [{"$toUpper": "ann"}, {"$toUpper": "zed"}]
        assert list(queryset) == [author]


def test_date_minus_duration_on_the_server(author):
    # In UTC: Python's arithmetic on a local time would follow the wall clock across DST.
    at = datetime.datetime(2021, 3, 14, 12, tzinfo=datetime.UTC)
    book = Book.objects.create(title="Epsilon", author=author)
    Book.objects.filter(pk=book.pk).update(created=at)
    shifted = Book.objects.annotate(
        earlier=F("created") - Value(datetime.timedelta(days=1, milliseconds=500))
    ).values_list("earlier", flat=True).get()
    assert shifted == at - datetime.timedelta(days=1, milliseconds=500)


def test_out_of_range_integers_decide_a_lookup_without_a_query():
    with CaptureQueriesContext(connection) as queries:
        assert list(Author.objects.filter(age=2**31)) == []
        assert list(Author.objects.filter(age__lt=-(2**31) - 1)) == []
    assert len(queries) == 0


def test_a_null_in_a_not_null_field_is_refused_before_anything_is_written():
    with pytest.raises(IntegrityError, match=r"testapp\.Author\.name .*'testapp_author'.*null"):
        Author.objects.create(name=None)
    assert not Author.objects.exists()


def test_updating_a_not_null_field_to_null_is_refused(author):
    with pytest.raises(IntegrityError, match="null=False"):
        Author.objects.update(name=None)
    assert Author.objects.get().name == "Ann"


@pytest.fixture
def author():
    return Author.objects.create(name="Ann", age=40)
