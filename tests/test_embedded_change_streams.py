"""Change streams on the embedded engine (djongo_core/embedded/shims/change_streams.py): what
pymongo's watch() gets over the wire is what MongoDB 7.0 sends.

Each test runs on both of mongoeco's engines: the in-memory server of "embedded:" and a
persistent server in a directory (whose history is kept in a journal and survives a restart).
"""

import datetime
import threading
import time

import pymongo
import pytest
from bson import Timestamp

from djongo_core.embedded import embedded_server_uri
from djongo_core.plugin_testing import stop_embedded_server

AWAIT_MS = 200


@pytest.fixture(scope="module", params=["memory", "directory"])
def server(request, tmp_path_factory):
    """(HOST, client) of each engine's server for this module's tests."""
    directory = tmp_path_factory.mktemp("change_streams")
    host = "embedded:" if request.param == "memory" else f"embedded://{directory}"
    client = pymongo.MongoClient(embedded_server_uri(host))
    yield host, client
    if request.param == "memory":
        client.drop_database("shim_change_streams")
    client.close()


@pytest.fixture
def database(server):
    _host, client = server
    database = client.shim_change_streams
    for name in database.list_collection_names():
        database.drop_collection(name)
    return database


def read(stream, count):
    """The next ``count`` events (fewer if the stream stays quiet for AWAIT_MS)."""
    events = []
    while len(events) < count:
        event = stream.try_next()
        if event is None:
            break
        events.append(event)
    return events


def kinds(events):
    return [(event["operationType"], event.get("documentKey", {}).get("_id")) for event in events]


def test_a_collection_stream_reports_inserts_updates_replaces_and_deletes(database):
    database.other.insert_one({"_id": "elsewhere"})
    with database.orders.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.orders.insert_one({"_id": 1, "status": "new"})
        database.other.insert_one({"_id": "not watched"})
        database.orders.update_one({"_id": 1}, {"$set": {"status": "paid"}})
        database.orders.replace_one({"_id": 1}, {"status": "shipped"})
        database.orders.delete_one({"_id": 1})
        events = read(stream, 5)
    assert kinds(events) == [("insert", 1), ("update", 1), ("replace", 1), ("delete", 1)]
    insert, update, replace, delete = events
    assert insert["fullDocument"] == {"_id": 1, "status": "new"}
    assert insert["ns"] == {"db": "shim_change_streams", "coll": "orders"}
    assert "fullDocument" not in update and "fullDocument" not in delete
    assert update["updateDescription"] == {
        "updatedFields": {"status": "paid"}, "removedFields": [], "truncatedArrays": []}
    assert replace["fullDocument"] == {"_id": 1, "status": "shipped"}
    for event in events:
        assert isinstance(event["_id"]["_data"], str)
        assert isinstance(event["clusterTime"], Timestamp)
        assert isinstance(event["wallTime"], datetime.datetime)
    times = [event["clusterTime"] for event in events]
    assert times == sorted(times) and len(set(times)) == 4


@pytest.mark.parametrize("change, description", [
    ({"$set": {"a": 2, "b.x": 5}},
     {"updatedFields": {"a": 2, "b.x": 5}, "removedFields": [], "truncatedArrays": []}),
    ({"$unset": {"b.x": ""}, "$set": {"c": "new"}},
     {"updatedFields": {"c": "new"}, "removedFields": ["b.x"], "truncatedArrays": []}),
    ({"$push": {"list": 4}},
     {"updatedFields": {"list.3": 4}, "removedFields": [], "truncatedArrays": []}),
    ({"$set": {"list.1": 20}},
     {"updatedFields": {"list.1": 20}, "removedFields": [], "truncatedArrays": []}),
    ({"$pop": {"list": 1}},
     {"updatedFields": {}, "removedFields": [], "truncatedArrays": [
         {"field": "list", "newSize": 2}]}),
    # A $set of the whole document (as Model.save() sends) reports only what changed.
    ({"$set": {"a": 1, "b": {"x": 1}, "list": [1, 2, 3], "c": 3}},
     {"updatedFields": {"c": 3}, "removedFields": [], "truncatedArrays": []}),
    ([{"$set": {"a": {"$add": ["$a", 10]}}}],
     {"updatedFields": {"a": 11}, "removedFields": [], "truncatedArrays": []}),
])
def test_update_description_names_the_changed_paths(database, change, description):
    database.t.insert_one({"_id": 1, "a": 1, "b": {"x": 1}, "list": [1, 2, 3]})
    with database.t.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.t.update_one({"_id": 1}, change)
        (event,) = read(stream, 1)
    assert event["updateDescription"] == description


def test_each_document_of_an_update_many_and_of_find_and_modify_is_described(database):
    database.t.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 5}, {"_id": 3, "n": 9}])
    with database.t.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.t.update_many({"n": {"$gte": 5}}, {"$inc": {"n": 1}})
        database.t.find_one_and_update({"_id": 1}, {"$set": {"flag": True}})
        events = read(stream, 4)
    assert [(event["documentKey"]["_id"], event["updateDescription"]["updatedFields"])
            for event in events] == [(2, {"n": 6}), (3, {"n": 10}), (1, {"flag": True})]


def test_a_transactions_updates_appear_at_its_commit_and_an_aborted_one_never(database):
    client = database.client
    database.t.insert_one({"_id": 1, "a": 1, "b": 1})
    with database.t.watch(max_await_time_ms=AWAIT_MS) as stream:
        with client.start_session() as session:
            with session.start_transaction():
                database.t.update_one({"_id": 1}, {"$set": {"a": 2}}, session=session)
                database.t.update_one({"_id": 1}, {"$set": {"b": 2}}, session=session)
                assert read(stream, 1) == []
        with client.start_session() as session:
            session.start_transaction()
            database.t.update_one({"_id": 1}, {"$set": {"a": 99}}, session=session)
            session.abort_transaction()
        database.t.update_one({"_id": 1}, {"$set": {"c": 3}})
        events = read(stream, 4)
    assert [event["updateDescription"]["updatedFields"] for event in events] == [
        {"a": 2}, {"b": 2}, {"c": 3}]


def test_an_update_that_changes_nothing_is_no_event(database):
    database.t.insert_one({"_id": 1, "a": 1})
    with database.t.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.t.update_one({"_id": 1}, {"$set": {"a": 1}})
        database.t.insert_one({"_id": 2})
        assert kinds(read(stream, 2)) == [("insert", 2)]


def test_update_lookup_gives_the_document_as_it_is_when_the_event_is_read(database):
    database.t.insert_one({"_id": 1, "a": 1})
    with database.t.watch(full_document="updateLookup", max_await_time_ms=AWAIT_MS) as stream:
        database.t.update_one({"_id": 1}, {"$set": {"a": 2}})
        database.t.update_one({"_id": 1}, {"$set": {"a": 3}})
        first, second = read(stream, 2)
        database.t.update_one({"_id": 1}, {"$set": {"a": 4}})
        database.t.delete_one({"_id": 1})
        third, _delete = read(stream, 2)
    # MongoDB looks the document up when it returns the event, not when it was written.
    assert first["fullDocument"] == second["fullDocument"] == {"_id": 1, "a": 3}
    assert first["updateDescription"]["updatedFields"] == {"a": 2}
    assert third["fullDocument"] is None


def test_images_the_server_does_not_keep(database):
    database.t.insert_one({"_id": 1, "a": 1})
    with database.t.watch(full_document="whenAvailable",
                          full_document_before_change="whenAvailable",
                          max_await_time_ms=AWAIT_MS) as stream:
        database.t.update_one({"_id": 1}, {"$set": {"a": 2}})
        (event,) = read(stream, 1)
    assert event["fullDocument"] is None and event["fullDocumentBeforeChange"] is None
    with database.t.watch(full_document="required", max_await_time_ms=AWAIT_MS) as stream:
        database.t.update_one({"_id": 1}, {"$set": {"a": 3}})
        with pytest.raises(pymongo.errors.OperationFailure) as refused:
            read(stream, 1)
    assert refused.value.code == 47


def test_a_stream_resumes_after_a_token_without_duplicates_or_gaps(database):
    with database.t.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.t.insert_many([{"_id": 1}, {"_id": 2}])
        first, _second = read(stream, 2)
        assert read(stream, 1) == []
        quiet = stream.resume_token          # the postBatchResumeToken of an empty batch
    database.t.insert_one({"_id": 3})
    with database.t.watch(resume_after=first["_id"], max_await_time_ms=AWAIT_MS) as resumed:
        assert kinds(read(resumed, 3)) == [("insert", 2), ("insert", 3)]
    with database.t.watch(resume_after=quiet, max_await_time_ms=AWAIT_MS) as resumed:
        assert kinds(read(resumed, 2)) == [("insert", 3)]
    with database.t.watch(start_at_operation_time=first["clusterTime"],
                          max_await_time_ms=AWAIT_MS) as resumed:
        assert kinds(read(resumed, 4)) == [("insert", 1), ("insert", 2), ("insert", 3)]


def test_a_stream_on_a_collection_ends_with_its_drop(database):
    database.t.insert_one({"_id": 1})
    with database.t.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.drop_collection("t")
        drop, invalidate = read(stream, 2)
        assert (drop["operationType"], drop["ns"]) == (
            "drop", {"db": "shim_change_streams", "coll": "t"})
        assert invalidate["operationType"] == "invalidate"
        assert invalidate["clusterTime"] >= drop["clusterTime"]
        assert not stream.alive
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        database.t.watch(resume_after=invalidate["_id"])
    assert refused.value.code == 260
    # startAfter an invalidate opens a new stream on the collection, from there.
    database.t.insert_one({"_id": 2})
    with database.t.watch(start_after=invalidate["_id"], max_await_time_ms=AWAIT_MS) as stream:
        assert kinds(read(stream, 2)) == [("insert", 2)]
    # resumeAfter the drop gives the invalidate again.
    with database.t.watch(resume_after=drop["_id"], max_await_time_ms=AWAIT_MS) as stream:
        assert [event["operationType"] for event in read(stream, 2)] == ["invalidate"]


def test_a_stream_waiting_for_a_write_sees_a_drop_at_once(database):
    database.t.insert_one({"_id": 1})
    with database.t.watch(max_await_time_ms=10_000) as stream:
        dropper = threading.Timer(0.3, database.drop_collection, args=("t",))
        started = time.monotonic()
        dropper.start()
        event = stream.try_next()
        dropper.join()
    assert event["operationType"] == "drop" and time.monotonic() - started < 5


def test_the_first_write_after_a_drop_is_not_lost(database):
    # mongoeco's hub would skip it (see change_drops.py).
    database.t.insert_one({"_id": 1})
    with database.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.drop_collection("t")
        database.t.insert_one({"_id": 2})
        events = read(stream, 3)
    assert kinds(events) == [("drop", None), ("insert", 2)]


def test_a_database_stream_sees_every_collection_and_their_drops(database):
    database.a.insert_one({"_id": 0})
    with database.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.a.insert_one({"_id": 1})
        database.b.insert_one({"_id": 2})
        database.client.shim_change_streams_other.c.insert_one({"_id": "other database"})
        database.drop_collection("a")
        database.b.insert_one({"_id": 3})
        events = read(stream, 5)
    # A database stream reports the drop of a collection and goes on.
    assert [(event["operationType"], event["ns"]["coll"]) for event in events] == [
        ("insert", "a"), ("insert", "b"), ("drop", "a"), ("insert", "b")]
    database.client.drop_database("shim_change_streams_other")


def test_a_server_stream_sees_every_database(database):
    client = database.client
    with client.watch(max_await_time_ms=AWAIT_MS) as stream:
        database.a.insert_one({"_id": 1})
        client.shim_change_streams_other.c.insert_one({"_id": 2})
        events = read(stream, 2)
    assert [event["ns"]["db"] for event in events] == [
        "shim_change_streams", "shim_change_streams_other"]
    client.drop_database("shim_change_streams_other")


def test_a_get_more_waits_for_another_connections_write_and_returns_it_at_once(server,
                                                                             database):
    host, _client = server

    def write_later():
        time.sleep(0.5)
        with pymongo.MongoClient(embedded_server_uri(host)) as other:
            other.shim_change_streams.t.insert_one({"_id": "from elsewhere"})

    with database.t.watch(max_await_time_ms=200) as stream:
        started = time.monotonic()
        assert stream.try_next() is None
        assert time.monotonic() - started >= 0.15       # the getMore waited its maxAwaitTimeMS
    with database.t.watch(max_await_time_ms=10_000) as stream:
        writer = threading.Thread(target=write_later)
        started = time.monotonic()
        writer.start()
        event = stream.try_next()
        waited = time.monotonic() - started
        writer.join()
    assert event["documentKey"] == {"_id": "from elsewhere"}
    assert 0.4 <= waited < 5


def test_the_stages_after_change_stream_filter_and_shape_the_events(database):
    pipeline = [{"$match": {"operationType": "insert", "fullDocument.kind": "keep"}},
                {"$project": {"operationType": 1, "fullDocument.kind": 1}}]
    with database.t.watch(pipeline, max_await_time_ms=AWAIT_MS) as stream:
        database.t.insert_many([{"_id": 1, "kind": "drop"}, {"_id": 2, "kind": "keep"}])
        (event,) = read(stream, 2)
    assert {key: value for key, value in event.items() if key != "_id"} == {
        "operationType": "insert", "fullDocument": {"kind": "keep"}}
    with database.t.watch([{"$set": {"_id": "changed"}}], max_await_time_ms=AWAIT_MS) as stream:
        database.t.insert_one({"_id": 3})
        with pytest.raises(pymongo.errors.OperationFailure) as refused:
            read(stream, 1)
    assert refused.value.code == 280


@pytest.mark.parametrize("pipeline, options, code", [
    ([{"$group": {"_id": None}}], {}, 2),
    ([], {"full_document": "sometimes"}, 2),
    ([], {"resume_after": {"_data": "not a token"}}, 260),
    # A token of another history (an in-memory server that restarted, another directory).
    ([], {"resume_after": {"_data": "0123abcd00000000000000010000"}}, 286),
])
def test_what_a_change_stream_cannot_do_is_refused(database, pipeline, options, code):
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        database.t.watch(pipeline, **options)
    assert refused.value.code == code


def test_unknown_options_and_the_admin_database_are_refused(database):
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        database.command({"aggregate": "t", "pipeline": [{"$changeStream": {"bogus": 1}}],
                          "cursor": {}})
    assert refused.value.code == 40415
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        database.client.admin.command({"aggregate": 1, "pipeline": [{"$changeStream": {}}],
                                       "cursor": {}})
    assert refused.value.code == 73


def test_kill_cursors_closes_a_stream(database):
    reply = database.command({"aggregate": "t", "pipeline": [{"$changeStream": {}}],
                              "cursor": {}})
    cursor_id = reply["cursor"]["id"]
    assert cursor_id and reply["cursor"]["firstBatch"] == []
    assert "postBatchResumeToken" in reply["cursor"]
    killed = database.command({"killCursors": "t", "cursors": [cursor_id]})
    assert killed["cursorsKilled"] == [cursor_id]
    with pytest.raises(pymongo.errors.OperationFailure) as gone:
        database.command({"getMore": cursor_id, "collection": "t"})
    assert gone.value.code == 43


def test_a_stream_of_a_persistent_server_resumes_after_a_restart(tmp_path):
    host = f"embedded://{tmp_path}"
    with pymongo.MongoClient(embedded_server_uri(host)) as client:
        database = client.shim_change_streams
        database.other.insert_one({"_id": "x"})
        with database.watch(max_await_time_ms=AWAIT_MS) as stream:
            database.t.insert_one({"_id": 1})
            database.t.update_one({"_id": 1}, {"$set": {"a": 1}})
            (first,) = read(stream, 1)
        database.t.insert_one({"_id": 2})
        database.drop_collection("other")
    stop_embedded_server(tmp_path)
    with pymongo.MongoClient(embedded_server_uri(host)) as restarted:
        database = restarted.shim_change_streams
        database.t.insert_one({"_id": 3})
        with database.watch(resume_after=first["_id"], max_await_time_ms=AWAIT_MS) as resumed:
            events = read(resumed, 5)
    stop_embedded_server(tmp_path)
    assert kinds(events) == [("update", 1), ("insert", 2), ("drop", None), ("insert", 3)]
    assert events[0]["updateDescription"]["updatedFields"] == {"a": 1}


def test_a_persistent_server_keeps_no_history_before_its_first_change_stream(tmp_path):
    with pymongo.MongoClient(embedded_server_uri(f"embedded://{tmp_path}")) as client:
        collection = client.shim_change_streams.t
        collection.insert_one({"_id": 1})
        collection.update_one({"_id": 1}, {"$set": {"a": 1}})
        assert not list(tmp_path.glob("changes.journal*"))
        with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
            collection.insert_one({"_id": 2})
            assert kinds(read(stream, 1)) == [("insert", 2)]
        assert list(tmp_path.glob("changes.journal*"))
    stop_embedded_server(tmp_path)


def test_a_drop_before_the_first_change_stream_loses_no_later_write(tmp_path):
    # mongoeco marks such a drop as a gap that takes the next write's number (change_history.py).
    with pymongo.MongoClient(embedded_server_uri(f"embedded://{tmp_path}")) as client:
        database = client.shim_change_streams
        database.t.insert_one({"_id": 0})
        database.drop_collection("t")
        with database.t.watch(max_await_time_ms=AWAIT_MS) as stream:
            database.t.insert_many([{"_id": 1}, {"_id": 2}])
            assert kinds(read(stream, 3)) == [("insert", 1), ("insert", 2)]
    stop_embedded_server(tmp_path)
