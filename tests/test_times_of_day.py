"""Arithmetic on times of day (TimeField, stored as "HH:MM:SS[.ffffff]" text): the difference
of two times is a duration, a time moved by a duration is a time, wrapping around midnight."""

import datetime

import pytest
from django.db import NotSupportedError
from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, Subquery, TimeField, Value

from djongo_core.compiler import times_of_day
from tests.testapp.models import Sample

pytestmark = pytest.mark.usefixtures("db")

CLOCK_MICROSECONDS = {"$cond": [
    {"$ne": [{"$ifNull": ["$clock", None]}, None]},
    {"$add": [
        {"$multiply": [{"$toLong": {"$substrCP": ["$clock", 0, 2]}}, 3_600_000_000]},
        {"$multiply": [{"$toLong": {"$substrCP": ["$clock", 3, 2]}}, 60_000_000]},
        {"$multiply": [{"$toLong": {"$substrCP": ["$clock", 6, 2]}}, 1_000_000]},
        {"$cond": [{"$gt": [{"$strLenCP": "$clock"}, 9]},
                   {"$toLong": {"$substrCP": ["$clock", 9, 6]}}, 0]},
    ]},
    None,
]}


def _projected(queryset):
    stages = queryset.query.get_compiler(queryset.db).build_plan().command.args[0]
    return stages[-1]["$project"]


def test_a_time_minus_a_time_is_the_difference_in_microseconds():
    queryset = Sample.objects.annotate(
        gap=F("clock") - Value(datetime.time(11, 15))).values("gap")
    assert _projected(queryset)["c0"] == {"$subtract": [CLOCK_MICROSECONDS,
                                                        times_of_day.microseconds("11:15:00")]}


def test_the_difference_of_two_times_keeps_the_microseconds():
    Sample.objects.create(clock=datetime.time(12, 30, 15, 2345))
    gap = Sample.objects.annotate(gap=F("clock") - Value(datetime.time(11, 15))).get().gap
    assert gap == datetime.timedelta(hours=1, minutes=15, seconds=15, microseconds=2345)
    backwards = Sample.objects.annotate(
        gap=Value(datetime.time(11, 15)) - F("clock")).get().gap
    assert backwards == -gap


def test_a_time_minus_null_is_null():
    Sample.objects.create(clock=datetime.time(12, 30))
    Sample.objects.create(clock=None)
    gaps = Sample.objects.annotate(
        gap=F("clock") - Value(None, output_field=TimeField())).values_list("gap", flat=True)
    assert list(gaps) == [None, None]
    null_clock = Sample.objects.filter(clock=None).annotate(
        gap=F("clock") - Value(datetime.time(1))).get()
    assert null_clock.gap is None


def test_times_are_filtered_by_their_difference():
    Sample.objects.create(label="early", clock=datetime.time(8, 0))
    Sample.objects.create(label="late", clock=datetime.time(18, 0, 0, 500))
    later = Sample.objects.annotate(gap=F("clock") - Value(datetime.time(12))).filter(
        gap__gt=datetime.timedelta(0))
    assert [sample.label for sample in later] == ["late"]


def test_a_correlated_subquery_of_a_time_minus_the_time_is_zero():
    Sample.objects.create(clock=datetime.time(12, 30, 15, 2345))
    same = Subquery(Sample.objects.filter(pk=OuterRef("pk")).values("clock"))
    assert Sample.objects.annotate(gap=same - F("clock")).filter(
        gap=datetime.timedelta()).exists()


@pytest.mark.parametrize(("clock", "span", "expected"), [
    (datetime.time(12, 30), datetime.timedelta(minutes=45), datetime.time(13, 15)),
    (datetime.time(23, 30), datetime.timedelta(hours=1), datetime.time(0, 30)),
    (datetime.time(0, 0, 1), datetime.timedelta(microseconds=7), datetime.time(0, 0, 1, 7)),
    (datetime.time(12), datetime.timedelta(days=2, seconds=1), datetime.time(12, 0, 1)),
])
def test_a_time_plus_a_duration_is_a_time_wrapping_around_midnight(clock, span, expected):
    Sample.objects.create(clock=clock, span=span)
    moved = Sample.objects.annotate(moved=ExpressionWrapper(
        F("clock") + F("span"), output_field=TimeField())).get().moved
    assert moved == expected
    swapped = Sample.objects.annotate(moved=ExpressionWrapper(
        F("span") + F("clock"), output_field=TimeField())).get().moved
    assert swapped == expected


def test_a_time_minus_a_duration_wraps_before_midnight_and_matches_stored_times():
    Sample.objects.create(label="a", clock=datetime.time(0, 15), span=datetime.timedelta(hours=1))
    Sample.objects.create(label="b", clock=datetime.time(23, 15), span=datetime.timedelta(0))
    moved = Sample.objects.annotate(moved=ExpressionWrapper(
        F("clock") - F("span"), output_field=TimeField()))
    assert {s.label: s.moved for s in moved} == {
        "a": datetime.time(23, 15), "b": datetime.time(23, 15)}
    # The result is text in the stored form, so it compares equal to a stored time.
    assert moved.filter(moved=F("clock")).get().label == "b"


def test_a_time_moved_by_a_null_duration_is_null():
    Sample.objects.create(clock=datetime.time(12))
    moved = Sample.objects.annotate(moved=ExpressionWrapper(
        F("clock") - Value(None, output_field=DurationField()), output_field=TimeField()))
    assert moved.get().moved is None


def test_a_duration_minus_a_time_is_refused():
    Sample.objects.create(clock=datetime.time(12), span=datetime.timedelta(0))
    queryset = Sample.objects.annotate(odd=ExpressionWrapper(
        F("span") - F("clock"), output_field=TimeField()))
    with pytest.raises(NotSupportedError, match="time of day and a duration"):
        list(queryset)
