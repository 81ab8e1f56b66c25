"""Concurrency: threads and processes writing at the same moment.

Integer ids come from one atomic `$inc` on a counter document per collection, and uniqueness
from unique indexes; these tests start many writers behind a barrier so that their commands
interleave, and check that no id is handed out twice, no row is lost, and get_or_create races
end with one row.

Threads share the test database on the in-memory engine, each with its own Django connection.
Processes share a persistent embedded server (HOST "embedded:///dir"), the only server two
processes can share without MongoDB.
"""

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.db.models import F

from djongo_core.counters import SCHEMA_COLLECTION
from djongo_core.row_locks import RowLockWarning
from tests.reliability.databases import add_alias, close_alias, stop_servers
from tests.testapp.models import Author, Item, Tag

REPO = Path(__file__).resolve().parents[2]
THREADS = 8
CREATES_PER_THREAD = 25
BATCH_PER_THREAD = 25


def in_threads(work, count=THREADS):
    """Run work(index) in count threads released together; return their results in order."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # reported below, with the thread's index
            errors.append((index, error))
        finally:
            connections.close_all()  # this thread's connections

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def counter_value(database, collection):
    document = database[SCHEMA_COLLECTION].find_one({"name": collection})
    return document["auto"]["seq"]


@pytest.mark.usefixtures("db")
def test_threads_creating_at_once_get_unique_ids_and_every_row_is_stored():
    def create(index):
        ids = [Item.objects.create(name=f"t{index}-{n}").pk for n in range(CREATES_PER_THREAD)]
        batch = Item.objects.bulk_create(
            Item(name=f"t{index}-b{n}") for n in range(BATCH_PER_THREAD)
        )
        return ids + [item.pk for item in batch]

    ids = [pk for result in in_threads(create) for pk in result]

    total = THREADS * (CREATES_PER_THREAD + BATCH_PER_THREAD)
    assert len(ids) == len(set(ids)) == total
    assert Item.objects.count() == total
    assert set(Item.objects.values_list("pk", flat=True)) == set(ids)
    # No value was skipped or reused: the counter handed out one unbroken run of values
    # (the counter outlives the test's rows, so the run starts where earlier tests left it).
    first = min(ids)
    assert sorted(ids) == list(range(first, first + total))
    assert counter_value(connection.mongo_database, Item._meta.db_table) == first + total - 1


@pytest.mark.usefixtures("db")
def test_threads_racing_get_or_create_make_one_row():
    results = in_threads(lambda index: Tag.objects.get_or_create(label="shared"))

    assert Tag.objects.filter(label="shared").count() == 1
    assert len({tag.pk for tag, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (THREADS - 1) + [True]


@pytest.mark.usefixtures("db")
def test_threads_incrementing_one_value_lose_no_update():
    author = Author.objects.create(name="counted", age=0)

    def increment(index):
        for _ in range(25):
            Author.objects.filter(pk=author.pk).update(age=F("age") + 1)

    in_threads(increment)
    assert Author.objects.get(pk=author.pk).age == THREADS * 25


@pytest.mark.usefixtures("db")
def test_select_for_update_without_the_transactions_plugin_is_never_silent():
    # The locking idiom of SQL databases. Without the transactions plugin nothing can lock the
    # document, so every evaluation warns (a project may make it an error with -W).
    author = Author.objects.create(name="locked", age=0)

    def increment(index):
        for _ in range(15):
            with transaction.atomic():
                locked = Author.objects.select_for_update().get(pk=author.pk)
                locked.age += 1
                locked.save()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RowLockWarning)
        in_threads(increment)
    warned = [warning for warning in caught if warning.category is RowLockWarning]
    assert len(warned) == THREADS * 15
    # The warning points at the project's line, not at Django or the backend.
    assert {warning.filename for warning in warned} == {__file__}
    assert "transactions" in str(warned[0].message)


@pytest.mark.usefixtures("db")
def test_select_for_update_can_be_made_an_error():
    Author.objects.create(name="refused", age=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RowLockWarning)
        with pytest.raises(RowLockWarning), transaction.atomic():
            Author.objects.select_for_update().get(name="refused")
        # update_or_create() works, warning as any other select_for_update().
        warnings.simplefilter("ignore", RowLockWarning)
        author, created = Author.objects.update_or_create(name="refused", defaults={"age": 3})
    assert (created, author.age) == (False, 3)


# A writer process: joins the shared server, then runs `threads` threads that each create
# `creates` items one by one, `batch` more in one bulk_create, and race get_or_create, all
# released together at start_at.
WRITER = textwrap.dedent(
    """
    import json, sys, threading, time
    import django
    from django.conf import settings

    host, start_at = sys.argv[1], float(sys.argv[2])
    threads, creates, batch = map(int, sys.argv[3:6])
    settings.configure(
        DATABASES={"default": {"ENGINE": "djongo_core", "NAME": "concurrency", "HOST": host}},
        INSTALLED_APPS=["tests.testapp"],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
    )
    django.setup()
    from django.db import connections
    from tests.testapp.models import Item, Tag

    results = [None] * threads

    def work(index):
        try:
            ids = [Item.objects.create(name=f"p{index}-{n}").pk for n in range(creates)]
            batched = Item.objects.bulk_create(Item(name=f"p{index}-b{n}") for n in range(batch))
            tag, created = Tag.objects.get_or_create(label="shared")
            results[index] = {"ids": ids + [item.pk for item in batched], "tag": tag.pk,
                              "created": created}
        except Exception as error:
            results[index] = {"error": f"{type(error).__name__}: {error}"}
        finally:
            connections.close_all()

    time.sleep(max(0.0, start_at - time.time()))
    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(results))
    """
)
PROCESSES = 2
PROCESS_THREADS = THREADS // PROCESSES
PROCESS_CREATES = 10
PROCESS_BATCH = 10


@pytest.fixture
def shared_database(tmp_path, monkeypatch):
    """A persistent embedded database ("shared") with the tables of Item and Tag."""
    monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "20")
    host = f"embedded://{tmp_path}"
    add_alias(monkeypatch, "shared", ENGINE="djongo_core", NAME="concurrency", HOST=host)
    with connections["shared"].schema_editor() as editor:
        editor.create_model(Item)
        editor.create_model(Tag)
    yield host
    close_alias("shared")
    stop_servers(tmp_path)


def test_processes_with_threads_creating_at_once_never_share_an_id(shared_database):
    start_at = time.time() + 3  # after both processes have imported Django
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, shared_database, str(start_at),
             *map(str, (PROCESS_THREADS, PROCESS_CREATES, PROCESS_BATCH))],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(PROCESSES)
    ]
    reports = []
    for writer in writers:
        out, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err
        reports.extend(json.loads(out))
    assert not [report["error"] for report in reports if "error" in report]

    ids = [pk for report in reports for pk in report["ids"]]
    total = PROCESSES * PROCESS_THREADS * (PROCESS_CREATES + PROCESS_BATCH)
    assert len(ids) == len(set(ids)) == total
    assert sorted(ids) == list(range(1, total + 1))
    items = Item.objects.using("shared")
    assert items.count() == total
    assert set(items.values_list("pk", flat=True)) == set(ids)
    database = connections["shared"].mongo_database
    assert counter_value(database, Item._meta.db_table) == total
    assert Tag.objects.using("shared").filter(label="shared").count() == 1
    assert len({report["tag"] for report in reports}) == 1
    assert sum(report["created"] for report in reports) == 1
