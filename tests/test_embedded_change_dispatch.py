"""Updates and deletes on the persistent embedded engine (shim "sqlite-dispatch-per-document",
djongo_core/embedded/shims/change_dispatch.py): with their change events handed over by the
batch, the commands still report, write and stream exactly what MongoDB does.

Most commands write more documents than one batch of the shim holds. Every test but the probe
and the restart runs against a real MongoDB too when MONGODB_URI is set.
"""

import os
import signal
import time

import pymongo
import pytest
from pymongo import DeleteOne, UpdateOne
from pymongo.errors import BulkWriteError

from djongo_core.embedded import embedded_server_uri, shims
from djongo_core.embedded.directory import read_advertisement
from djongo_core.plugin_testing import stop_embedded_server
from tests.engine_clients import REAL_SERVER, persistent_client, probes_the_engine

# More than two of the shim's batches (CHUNK, 1,000 writes) and a part of one.
MANY = 2_500
AWAIT_MS = 200


@pytest.fixture
def server(tmp_path):
    """A client of a persistent embedded server of its own (of MongoDB when MONGODB_URI is
    set): each test's history starts empty."""
    with persistent_client(tmp_path) as client:
        yield client


@pytest.fixture
def database(server):
    server.drop_database("change_dispatch_tests")
    yield server.change_dispatch_tests
    server.drop_database("change_dispatch_tests")


def read(stream, count, timeout=30.0):
    """The next ``count`` events of stream, then whatever else it delivers within AWAIT_MS."""
    events = []
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        event = stream.try_next()
        if event is not None:
            events.append(event)
    while (event := stream.try_next()) is not None:
        events.append(event)
    return events


def keys(events, kind):
    assert {event["operationType"] for event in events} == {kind}
    return [event["documentKey"]["_id"] for event in events]


@probes_the_engine
def test_change_dispatch_shim_is_still_needed(tmp_path):
    assert shims.change_dispatch_still_needed(tmp_path), (
        "mongoeco now hands the SQLite engine's change events over without a lease per "
        "document: delete djongo_core/embedded/shims/change_dispatch.py and its entry in "
        "docs/engine-deviations.md.")


def test_update_many_writes_reports_and_streams_every_document(database):
    collection = database.books
    collection.insert_many([{"_id": number, "pages": number % 7} for number in range(MANY)])
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        result = collection.update_many({}, {"$set": {"x": 1}})
        events = read(stream, MANY)
    assert result.matched_count == result.modified_count == MANY
    assert sorted(keys(events, "update")) == list(range(MANY))
    assert all(event["updateDescription"]["updatedFields"] == {"x": 1} for event in events)
    assert collection.count_documents({"x": 1}) == MANY
    # Nothing left waiting for a later command: the next write's event comes next.
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        collection.update_one({"_id": 0}, {"$set": {"x": 2}})
        assert keys(read(stream, 1), "update") == [0]


def test_update_many_that_changes_nothing_streams_nothing(database):
    collection = database.books
    collection.insert_many([{"_id": number, "x": 1} for number in range(MANY)])
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        result = collection.update_many({}, {"$set": {"x": 1}})
        collection.insert_one({"_id": "marker"})
        events = read(stream, 1)
    assert (result.matched_count, result.modified_count) == (MANY, 0)
    assert keys(events, "insert") == ["marker"]


@pytest.mark.parametrize("ordered", [True, False])
def test_bulk_update_stops_or_goes_on_at_a_duplicate_key(database, ordered):
    # bulk_update()'s shape: one updateOne per _id; the one at `clash` collides with a unique
    # value another document still has. (Fewer documents than a batch of the shim: each update
    # under a unique index of numbers still reads the collection, deviation
    # "unique-check-scans-the-collection".)
    collection = database.codes
    collection.create_index("code", unique=True)
    count, clash = 300, 250
    collection.insert_many([{"_id": number, "code": number} for number in range(count)])
    requests = [UpdateOne({"_id": number}, {"$set": {"code": number + 10_000}})
                for number in range(count)]
    requests[clash] = UpdateOne({"_id": clash}, {"$set": {"code": count - 1}})
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        with pytest.raises(BulkWriteError) as failed:
            collection.bulk_write(requests, ordered=ordered)
        written = clash if ordered else count - 1
        events = read(stream, written)
    details = failed.value.details
    assert [(error["index"], error["code"]) for error in details["writeErrors"]] == [(clash, 11000)]
    assert details["nMatched"] == details["nModified"] == written
    changed = sorted(keys(events, "update"))
    assert changed == [number for number in range(count) if number != clash][:written]
    assert sorted(d["_id"] for d in collection.find({"code": {"$gte": 10_000}})) == changed
    assert collection.find_one({"_id": clash})["code"] == clash


def test_a_document_updated_twice_in_one_command_streams_each_change(database):
    collection = database.books
    collection.insert_many([{"_id": number} for number in range(MANY)])
    requests = [UpdateOne({"_id": number}, {"$set": {"a": 1}}) for number in range(MANY)]
    requests.append(UpdateOne({"_id": 7}, {"$set": {"b": 2}}))
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        result = collection.bulk_write(requests)
        events = read(stream, MANY + 1)
    assert result.modified_count == MANY + 1
    of_seven = [event["updateDescription"]["updatedFields"] for event in events
                if event["documentKey"]["_id"] == 7]
    assert of_seven == [{"a": 1}, {"b": 2}]
    assert collection.find_one({"_id": 7}) == {"_id": 7, "a": 1, "b": 2}


def test_delete_many_and_bulk_deletes_stream_every_document(database):
    collection = database.books
    collection.insert_many([{"_id": number, "keep": number % 10 == 0} for number in range(MANY)])
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        result = collection.delete_many({"keep": False})
        events = read(stream, MANY - MANY // 10)
    assert result.deleted_count == MANY - MANY // 10
    assert sorted(keys(events, "delete")) == [n for n in range(MANY) if n % 10]
    kept = [number for number in range(0, MANY, 10)]
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        result = collection.bulk_write([DeleteOne({"_id": number}) for number in kept])
        events = read(stream, len(kept))
    assert result.deleted_count == len(kept)
    assert keys(events, "delete") == kept
    assert collection.count_documents({}) == 0


def test_update_many_in_a_transaction_streams_at_commit_only(server, database):
    collection = database.books
    collection.insert_many([{"_id": number} for number in range(50)])
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        with server.start_session() as session:
            session.start_transaction()
            collection.update_many({}, {"$set": {"x": 1}}, session=session)
            session.abort_transaction()
            session.start_transaction()
            collection.update_many({"_id": {"$lt": 30}}, {"$set": {"x": 2}}, session=session)
            session.commit_transaction()
        events = read(stream, 30)
    assert sorted(keys(events, "update")) == list(range(30))
    assert all(event["updateDescription"]["updatedFields"] == {"x": 2} for event in events)
    assert collection.count_documents({"x": 2}) == 30
    assert collection.count_documents({"x": 1}) == 0


@pytest.mark.skipif(REAL_SERVER, reason="restarts the persistent embedded server")
def test_updates_and_their_events_survive_a_crash_after_the_reply(tmp_path):
    host = f"embedded://{tmp_path}"
    with pymongo.MongoClient(embedded_server_uri(host)) as client:
        collection = client.change_dispatch_tests.books
        collection.insert_many([{"_id": number} for number in range(MANY)])
        with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
            collection.insert_one({"_id": "before"})
            (before,) = read(stream, 1)
        assert collection.update_many({}, {"$set": {"x": 1}}).modified_count == MANY + 1
    crashed = read_advertisement(tmp_path)["pid"]
    os.kill(crashed, signal.SIGKILL)
    with pymongo.MongoClient(embedded_server_uri(host)) as client:
        assert read_advertisement(tmp_path)["pid"] != crashed
        collection = client.change_dispatch_tests.books
        assert collection.count_documents({"x": 1}) == MANY + 1
        with collection.watch(resume_after=before["_id"], max_await_time_ms=AWAIT_MS) as stream:
            events = read(stream, MANY + 1)
    stop_embedded_server(tmp_path)
    assert sorted(map(str, keys(events, "update"))) == sorted(map(str, [*range(MANY), "before"]))
