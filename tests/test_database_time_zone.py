"""DATABASES["default"]["TIME_ZONE"]: datetimes stored as a zone's wall-clock time.

An application that saved naive local datetimes through a driver (djongo 1.x with USE_TZ = False,
a pymongo script calling datetime.now()) left BSON dates that are its zone's wall-clock time,
written as if UTC. With the option naming that zone, Django reads them as the instants they
meant, writes new values the same way, and filters, extracts and truncates them in any zone.

The tests' TIME_ZONE is America/Chicago; the database's here is Asia/Kathmandu (UTC+05:45, no
daylight saving time), so every instant below has three different wall-clock readings.
"""

import datetime
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F
from django.db.models.functions import ExtractDay, ExtractHour, Now, TruncDate, TruncDay, TruncMinute
from django.utils import timezone

from djongo_core.command import Command
from tests.testapp.models import Sample

pytestmark = pytest.mark.usefixtures("db")

KATHMANDU = ZoneInfo("Asia/Kathmandu")
CHICAGO = ZoneInfo("America/Chicago")
# 20:30 UTC on 10 January 2024: 02:15 on the 11th in Kathmandu, 14:30 on the 10th in Chicago.
INSTANT = datetime.datetime(2024, 1, 10, 20, 30, tzinfo=datetime.UTC)
KATHMANDU_WALL_CLOCK = datetime.datetime(2024, 1, 11, 2, 15)


@contextmanager
def database_time_zone(name):
    """Give the connection a TIME_ZONE option, as settings would, for the block."""
    saved = connection.settings_dict["TIME_ZONE"]
    connection.settings_dict["TIME_ZONE"] = name
    _forget_time_zone()
    try:
        yield
    finally:
        connection.settings_dict["TIME_ZONE"] = saved
        _forget_time_zone()


def _forget_time_zone():
    # Django caches both on the connection (not on the `connection` proxy).
    for cached in ("timezone", "timezone_name"):
        connections[DEFAULT_DB_ALIAS].__dict__.pop(cached, None)


@pytest.fixture
def kathmandu_database():
    with database_time_zone("Asia/Kathmandu"):
        yield


def stored_moment(pk):
    document = connection.executor.run(Command(Sample._meta.db_table, "find_one", ({"_id": pk},)))
    return document["moment"]


def insert_as_another_program(moment):
    """Store a document as a driver stores a naive datetime: its digits, as if UTC."""
    connection.executor.run(Command(Sample._meta.db_table, "insert_one",
                                    ({"_id": 1000, "moment": moment},)))
    return 1000


def pipeline(queryset):
    return queryset.query.get_compiler(queryset.db).build_plan().command.args[0]


def test_an_aware_datetime_is_stored_as_the_zones_wall_clock_time(kathmandu_database):
    sample = Sample.objects.create(moment=INSTANT.astimezone(CHICAGO))

    assert stored_moment(sample.pk) == KATHMANDU_WALL_CLOCK
    assert Sample.objects.get(pk=sample.pk).moment == INSTANT


def test_without_the_option_datetimes_are_stored_as_utc_instants():
    sample = Sample.objects.create(moment=INSTANT.astimezone(CHICAGO))

    assert stored_moment(sample.pk) == INSTANT.replace(tzinfo=None)


def test_local_times_written_by_another_program_are_read_as_the_instants_they_meant():
    pk = insert_as_another_program(KATHMANDU_WALL_CLOCK)
    # Read as UTC, as without the option, the value is 5 h 45 min late.
    assert Sample.objects.get(pk=pk).moment == KATHMANDU_WALL_CLOCK.replace(tzinfo=datetime.UTC)

    with database_time_zone("Asia/Kathmandu"):
        assert Sample.objects.get(pk=pk).moment == INSTANT
        assert Sample.objects.filter(moment=INSTANT).get().pk == pk
        assert Sample.objects.filter(moment__gt=INSTANT - datetime.timedelta(minutes=1),
                                     moment__lt=INSTANT + datetime.timedelta(minutes=1)).count() == 1
        assert list(Sample.objects.filter(pk=pk).values_list("moment", flat=True)) == [INSTANT]


def test_date_lookups_take_the_day_in_the_current_time_zone(kathmandu_database):
    insert_as_another_program(KATHMANDU_WALL_CLOCK)

    # In Chicago the instant is on the 10th, in Kathmandu on the 11th.
    assert Sample.objects.filter(moment__date=datetime.date(2024, 1, 10)).count() == 1
    assert Sample.objects.filter(moment__date=datetime.date(2024, 1, 11)).count() == 0
    assert Sample.objects.filter(moment__hour=14).count() == 1
    with timezone.override(KATHMANDU):
        assert Sample.objects.filter(moment__date=datetime.date(2024, 1, 11)).count() == 1
        assert Sample.objects.filter(moment__hour=2).count() == 1


def test_extract_and_trunc_answer_in_the_zone_they_ask_for(kathmandu_database):
    insert_as_another_program(KATHMANDU_WALL_CLOCK)

    row = Sample.objects.annotate(
        chicago_day=ExtractDay("moment"),
        chicago_hour=ExtractHour("moment"),
        local_day=ExtractDay("moment", tzinfo=KATHMANDU),
        local_hour=ExtractHour("moment", tzinfo=KATHMANDU),
        chicago_midnight=TruncDay("moment"),
        local_midnight=TruncDay("moment", tzinfo=KATHMANDU),
        chicago_date=TruncDate("moment"),
    ).get()

    assert (row.chicago_day, row.chicago_hour) == (10, 14)
    assert (row.local_day, row.local_hour) == (11, 2)
    assert row.chicago_midnight == datetime.datetime(2024, 1, 10, tzinfo=CHICAGO)
    assert row.local_midnight == datetime.datetime(2024, 1, 11, tzinfo=KATHMANDU)
    assert row.chicago_date == datetime.date(2024, 1, 10)


def test_functions_in_the_databases_own_zone_read_the_stored_parts(kathmandu_database):
    queryset = Sample.objects.annotate(hour=ExtractHour("moment", tzinfo=KATHMANDU),
                                       chicago=ExtractHour("moment")).values("hour", "chicago")

    project = pipeline(queryset)[-1]["$project"]
    assert project["c0"] == {"$hour": {"date": "$moment"}}
    parts = {part: {operator: "$moment"} for part, operator in (
        ("year", "$year"), ("month", "$month"), ("day", "$dayOfMonth"), ("hour", "$hour"),
        ("minute", "$minute"), ("second", "$second"), ("millisecond", "$millisecond"))}
    instant = {"$cond": [{"$eq": [{"$ifNull": ["$moment", None]}, None]}, None,
                         {"$dateFromParts": {**parts, "timezone": "Asia/Kathmandu"}}]}
    assert project["c1"] == {"$hour": {"date": instant, "timezone": "America/Chicago"}}


def test_a_truncation_compares_with_stored_values(kathmandu_database):
    insert_as_another_program(KATHMANDU_WALL_CLOCK)

    # Truncated in Chicago, the minute is the stored value itself (it has no seconds).
    assert Sample.objects.annotate(minute=TruncMinute("moment")).filter(
        minute=F("moment")).count() == 1


def test_now_is_the_current_time_as_the_database_stores_it(kathmandu_database):
    now = timezone.now()
    past = Sample.objects.create(moment=now - datetime.timedelta(hours=2))
    Sample.objects.create(moment=now + datetime.timedelta(hours=2))

    # Compared with the UTC instant, the stored 2-hours-ago (its Kathmandu reading, 3 h 45 min
    # after UTC's) would be in the future.
    assert list(Sample.objects.filter(moment__lt=Now()).values_list("pk", flat=True)) == [past.pk]


def test_nulls_stay_null_through_the_conversions(kathmandu_database):
    Sample.objects.create(moment=None)

    row = Sample.objects.annotate(hour=ExtractHour("moment"), midnight=TruncDay("moment")).get()
    assert (row.hour, row.midnight) == (None, None)
