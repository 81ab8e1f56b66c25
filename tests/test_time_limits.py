"""Time limits on reads (maxTimeMS): per database (MAX_TIME_MS) and per QuerySet."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection

from djongo_core.time_limits import with_time_limit
from tests.testapp.models import Author

pytestmark = pytest.mark.usefixtures("db")

# Catastrophic backtracking: each name takes about 2**20 steps to fail the pattern.
BACKTRACKING = r"^(a+)+$"
DOCUMENTS = 300


@pytest.fixture
def slow_names():
    connection.mongo_database[Author._meta.db_table].insert_many(
        [{"_id": n, "name": "a" * 20 + "b"} for n in range(1, DOCUMENTS + 1)])


@pytest.fixture
def database_limit(monkeypatch):
    def set_limit(milliseconds):
        monkeypatch.setitem(connection.settings_dict, "MAX_TIME_MS", milliseconds)
    return set_limit


def test_the_database_default_stops_a_backtracking_regex_with_the_limit_named(
        slow_names, database_limit):
    database_limit(100)
    with pytest.raises(OperationalError, match="time limit of 100 ms"):
        list(Author.objects.filter(name__regex=BACKTRACKING))


def test_the_limit_applies_to_counts_and_is_sent_as_max_time_ms(database_limit, queries):
    database_limit(5000)
    assert Author.objects.filter(name="x").count() == 0
    assert '"maxTimeMS": 5000' in queries.captured_queries[-1]["sql"]
    list(Author.objects.filter(name="x"))
    assert '"max_time_ms": 5000' in queries.captured_queries[-1]["sql"]


def test_a_queryset_limit_overrides_the_default(slow_names, database_limit):
    database_limit(None)
    with pytest.raises(OperationalError, match="time limit of 150 ms"):
        list(with_time_limit(Author.objects.all(), 150).filter(name__regex=BACKTRACKING))
    database_limit(1)
    unlimited = with_time_limit(Author.objects.filter(name="a" * 20 + "b"), None)
    assert unlimited.count() == DOCUMENTS


@pytest.mark.parametrize("value", [0, -5, 1.5, "100", True])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(value, database_limit):
    with pytest.raises(ImproperlyConfigured, match="milliseconds"):
        with_time_limit(Author.objects.all(), value)
    database_limit(value)
    with pytest.raises(ImproperlyConfigured, match="MAX_TIME_MS"):
        list(Author.objects.all())
