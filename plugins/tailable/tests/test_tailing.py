"""tail() and atail(): a capped model's new instances, in insertion order, as they arrive.

Every wait is bounded: tails run with a timeout and a stop event, threads are joined with one.
"""

import asyncio
import io
import json
import threading
import time

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.core.management.base import CommandError
from django.db import NotSupportedError, connection, connections

from djongo_core.plugins import with_query_options
from tailable_testapp.models import LogEntry, Order

pytestmark = pytest.mark.usefixtures("db")


def insert_later(*messages, delay=0.2, level="INFO"):
    """Insert LogEntries from another thread (its own Django connection) after ``delay``."""
    def run():
        time.sleep(delay)
        try:
            for message in messages:
                LogEntry.objects.create(message=message, level=level)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def read(iterator, count, stop=None):
    """The first ``count`` items of ``iterator`` (then stop the tail)."""
    items = []
    for item in iterator:
        items.append(item)
        if len(items) == count:
            break
    if stop is not None:
        stop.set()
    return items


def test_a_tail_runs_a_tailable_await_data_find_in_natural_order():
    queryset = with_query_options(LogEntry.objects.filter(level="ERROR"),
                                  tailing={"await_ms": 250, "after": None})
    assert str(queryset.query) == (
        'db.tailable_testapp_logentry.find({"level": "ERROR"}, '
        '{"_id": 1, "level": 1, "message": 1, "at": 1, "__djongo_us__at": 1}, '
        '{"cursor_type": 34, "max_await_time_ms": 250})')
    resumed = with_query_options(LogEntry.objects.filter(level="ERROR"),
                                 tailing={"await_ms": 250, "after": 7, "batch_size": 10})
    assert str(resumed.query) == (
        'db.tailable_testapp_logentry.find({"$or": [{"_id": 7}, {"level": "ERROR"}]}, '
        '{"_id": 1, "level": 1, "message": 1, "at": 1, "__djongo_us__at": 1}, '
        '{"cursor_type": 34, "max_await_time_ms": 250, "batch_size": 10})')


def test_tail_receives_in_order_what_another_thread_inserts_after_it_started():
    LogEntry.objects.create(message="before")
    tail = LogEntry.objects.tail(await_ms=200, timeout=10)   # "now" is when tail() is called
    LogEntry.objects.create(message="one")
    thread = insert_later("two", "three")
    started = time.monotonic()
    entries = read(tail, 3)
    thread.join(10)
    assert [entry.message for entry in entries] == ["one", "two", "three"]
    assert all(isinstance(entry, LogEntry) and entry.pk for entry in entries)
    assert time.monotonic() - started < 10


def test_tail_applies_the_querysets_filter():
    thread = insert_later("info", level="INFO")
    thread.join(10)
    thread = insert_later("error 1", "error 2", level="ERROR", delay=0.3)
    entries = read(LogEntry.objects.filter(level="ERROR").tail(start="beginning", await_ms=200,
                                                                   timeout=10), 2)
    thread.join(10)
    assert [entry.message for entry in entries] == ["error 1", "error 2"]


def test_tail_from_the_beginning_gives_the_stored_documents_first():
    for message in ("a", "b"):
        LogEntry.objects.create(message=message)
    thread = insert_later("c")
    entries = read(LogEntry.objects.tail(start="beginning", await_ms=200, timeout=10), 3)
    thread.join(10)
    assert [entry.message for entry in entries] == ["a", "b", "c"]


def test_tail_starting_now_on_an_empty_collection_waits_for_the_first_document():
    thread = insert_later("first", delay=0.4)
    entries = read(LogEntry.objects.tail(await_ms=150, timeout=10), 1)
    thread.join(10)
    assert [entry.message for entry in entries] == ["first"]


def test_a_tail_that_times_out_ends_after_its_timeout():
    LogEntry.objects.create(message="old")
    started = time.monotonic()
    assert list(LogEntry.objects.tail(await_ms=100, timeout=0.5)) == []
    assert 0.4 <= time.monotonic() - started < 5


def test_a_stopped_tail_ends_within_one_round():
    stop = threading.Event()
    LogEntry.objects.create(message="old")
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    assert list(LogEntry.objects.tail(start="now", await_ms=100, stop=stop, timeout=10)) == []
    assert time.monotonic() - started < 5


def test_a_tail_overtaken_by_the_capped_collection_rolling_over_goes_on_without_duplicates():
    # max 5: the tail reads one entry, then 8 more arrive and push its position out.
    for number in range(3):
        LogEntry.objects.create(message=f"early {number}")
    tail = LogEntry.objects.tail(start="beginning", await_ms=100, timeout=10, batch_size=1)
    first = next(tail)
    for number in range(8):
        LogEntry.objects.create(message=f"late {number}")
    rest = read(tail, 5)
    tail.close()
    assert first.message == "early 0"
    assert [entry.message for entry in rest] == [f"late {number}" for number in range(3, 8)]


def test_atail_receives_what_is_inserted_after_it_started():
    async def main():
        thread = insert_later("async one", "async two", delay=0.3)
        entries = []
        tail = LogEntry.objects.atail(await_ms=200, timeout=10)
        async for entry in tail:
            entries.append(entry.message)
            if len(entries) == 2:
                break
        await tail.aclose()
        await asyncio.to_thread(thread.join, 10)
        return entries

    assert asyncio.run(asyncio.wait_for(main(), 30)) == ["async one", "async two"]


def test_tail_on_a_model_that_is_not_capped_is_refused():
    with pytest.raises(NotSupportedError, match=r"tailable_testapp.Order.objects.tail\(\) needs a "
                                                r"capped collection"):
        Order.objects.tail(timeout=1)


@pytest.mark.parametrize("change, refused", [
    (lambda qs: qs.order_by("message"), "order_by()"),
    (lambda qs: qs[:3], "slicing"),
    (lambda qs: qs.values("message"), "values()"),
])
def test_tail_refuses_what_a_tailable_cursor_cannot_do(change, refused):
    with pytest.raises(NotSupportedError, match="reads a plain find in insertion order") as raised:
        change(LogEntry.objects.all()).tail(timeout=1)
    assert refused in str(raised.value)


def test_tail_checks_its_arguments():
    with pytest.raises(ValueError, match="'now' or 'beginning'"):
        LogEntry.objects.tail(start="yesterday")
    with pytest.raises(ValueError, match="positive number of milliseconds"):
        LogEntry.objects.tail(await_ms=0)


def test_the_tail_command_prints_new_documents_as_json():
    LogEntry.objects.create(message="stored", level="ERROR")
    out = io.StringIO()
    thread = insert_later("shown", level="ERROR")
    hidden = insert_later("hidden", level="INFO")
    call_command("tail", "tailable_testapp.LogEntry", "--filter", "level=ERROR",
                 "--timeout", "1.5", stdout=out)
    thread.join(10)
    hidden.join(10)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    printed = json.loads(lines[0])
    shown = LogEntry.objects.get(message="shown")
    assert printed == {"pk": shown.pk, "id": shown.pk, "level": "ERROR", "message": "shown",
                       "at": DjangoJSONEncoder().default(shown.at)}


def test_the_tail_command_names_a_wrong_filter_field():
    with pytest.raises(CommandError, match="tailable_testapp.LogEntry.*'lvl'"):
        call_command("tail", "tailable_testapp.LogEntry", "--filter", "lvl=ERROR",
                     "--timeout", "0.1", stdout=io.StringIO())


def test_the_tail_command_refuses_a_model_that_is_not_capped():
    with pytest.raises(CommandError, match="needs a capped collection"):
        call_command("tail", "tailable_testapp.Order", "--timeout", "0.1", stdout=io.StringIO())


def test_a_tail_whose_cursor_the_server_killed_reopens_after_the_last_document():
    from djongo_core.plugins import hookimpl
    from djongo_tailable.tailing import TailCursor

    cursors = []

    class Recorder:
        @hookimpl(wrapper=True)
        def djongo_execute(self, command):
            result = yield
            if isinstance(result, TailCursor):
                cursors.append(result)
            return result

    host = connection.plugin_host
    host.register(Recorder(), "recorder")
    try:
        for number in range(2):
            LogEntry.objects.create(message=f"stored {number}")
        tail = LogEntry.objects.tail(start="beginning", await_ms=100, timeout=10, batch_size=1)
        first = next(tail)
        cursor_id = cursors[0].cursor.cursor_id
        connection.mongo_database.command(
            {"killCursors": LogEntry._meta.db_table, "cursors": [cursor_id]})
        LogEntry.objects.create(message="after the kill")
        rest = read(tail, 2)
        tail.close()
    finally:
        host.unregister("recorder")
    assert [first.message, *(entry.message for entry in rest)] == [
        "stored 0", "stored 1", "after the kill"]
