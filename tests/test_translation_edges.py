"""Smaller translation rules: an OuterRef outside its subquery, regex backreferences, a
timestamp truncated to a time of day."""

import datetime

import pytest
from django.db.models import F, OuterRef, TimeField
from django.db.models.functions import TruncHour, TruncMinute

from tests.testapp.models import Author, Book, Sample

pytestmark = pytest.mark.usefixtures("db")


def test_a_queryset_with_an_outer_ref_run_on_its_own_raises_djangos_error():
    inner = Book.objects.filter(author=OuterRef("pk"))
    with pytest.raises(ValueError, match="may only be used in a subquery"):
        inner.exists()


def test_a_regex_with_a_backreference_is_sent_as_written():
    queryset = Author.objects.filter(name__regex=r"b(.).*b\1")
    match, _ = queryset.query.get_compiler(queryset.db).build_plan().command.args
    assert match == {"name": {"$regex": r"b(.).*b\1"}}


def test_a_regex_backreference_matches_the_repeated_group():
    for name in ("foobar", "foobarbaz", "barfoobaz", "bazbaRFOO", "zoocarfaz"):
        Author.objects.create(name=name)
    found = Author.objects.filter(name__regex=r"b(.).*b\1").values_list("name", flat=True)
    assert sorted(found) == ["barfoobaz", "bazbaRFOO", "foobarbaz"]
    # Case-insensitively, the repeated group matches in either case.
    flagged = Author.objects.filter(name__iregex=r"^b(.).*B\1").values_list("name", flat=True)
    assert sorted(flagged) == ["barfoobaz", "bazbaRFOO"]


def test_a_timestamp_truncated_to_a_time_of_day_is_the_stored_time_text():
    queryset = Sample.objects.annotate(
        hour=TruncHour("moment", output_field=TimeField())).values("hour")
    stages = queryset.query.get_compiler(queryset.db).build_plan().command.args[0]
    truncated = stages[-1]["$project"]["c0"]["$dateToString"]
    assert truncated["format"] == "%H:%M:%S"
    assert truncated["date"]["$dateTrunc"]["unit"] == "hour"


def test_a_timestamp_truncated_to_a_time_of_day_compares_with_stored_times():
    # 13:42:07 UTC is 08:42:07 in the tests' TIME_ZONE (America/Chicago, CDT in May).
    moment = datetime.datetime(2024, 5, 1, 13, 42, 7, tzinfo=datetime.UTC)
    Sample.objects.create(label="match", moment=moment, clock=datetime.time(8, 42))
    Sample.objects.create(label="other", moment=moment, clock=datetime.time(13, 42))
    truncated = Sample.objects.annotate(
        minute=TruncMinute("moment", output_field=TimeField()))
    assert {s.label: s.minute for s in truncated} == {
        "match": datetime.time(8, 42), "other": datetime.time(8, 42)}
    assert [s.label for s in truncated.filter(minute=F("clock"))] == ["match"]
