"""A persistent server's change history past its 10,000 events (shim
"change-history-rewritten-per-write", djongo_core/embedded/shims/change_journal.py): writes no
longer rewrite the whole history each, and change streams still get every event, in order,
resumable by token, across a restart.

The hub tests drive mongoeco's change stream hub directly, with a history of ten events, to
count its rewrites exactly; the server tests write more documents than the history holds. The
stream test runs against a real MongoDB too when MONGODB_URI is set.
"""

import threading

import pymongo
import pytest
from mongoeco._change_streams.hub import ChangeStreamHub
from pymongo import UpdateOne

from djongo_core.embedded import embedded_server_uri, shims
from djongo_core.embedded.shims import change_journal
from djongo_core.plugin_testing import stop_embedded_server
from tests.engine_clients import REAL_SERVER, persistent_client, probes_the_engine

# More than the 10,000 events a persistent server's history holds.
MANY = 11_000
AWAIT_MS = 200
LIMIT = 10


def hub(directory):
    """A journaled hub of LIMIT events in directory (the journal of an earlier one, if any)."""
    return ChangeStreamHub(max_retained_events=LIMIT, journal_max_log_bytes=None,
                           journal_path=str(directory / "changes.journal"))


def publish(hub, numbers):
    for number in numbers:
        hub.publish(operation_type="insert", db_name="d", coll_name="c",
                    document_key={"_id": number}, full_document={"_id": number})


def retained(hub):
    """The _ids of the events the hub holds, from its first offset on."""
    state = hub.state
    ids = []
    for offset in range(state.base_offset, state.current_offset):
        _next, event = hub.wait_for_event(offset, timeout_seconds=0)
        ids.append(event.document_key["_id"])
    return ids


def read_after(hub, token):
    """The _ids of the events after token (a stream resumed after it)."""
    offset, ids = hub.offset_after_token(token), []
    while True:
        offset, event = hub.wait_for_event(offset, timeout_seconds=0)
        if event is None:
            return ids
        ids.append(event.document_key["_id"])


@probes_the_engine
def test_change_journal_shim_is_still_needed(tmp_path):
    assert shims.change_journal_still_needed(tmp_path), (
        "mongoeco's change stream hub no longer rewrites its journal at every event once its "
        "history is full: delete djongo_core/embedded/shims/change_journal.py and its entry in "
        "docs/engine-deviations.md.")


@probes_the_engine
def test_a_full_journaled_history_is_rewritten_once_per_slack_of_events(tmp_path):
    journaled = hub(tmp_path)
    publish(journaled, range(100))
    # mongoeco rewrites it at each of the 90 events past the limit; the shim once the history
    # has grown SLACK (5) events past it, back to the limit: at the 16th, 22nd ... 100th event.
    assert journaled.state.journal_compaction_count == 15
    kept = retained(journaled)
    assert LIMIT <= len(kept) <= LIMIT + change_journal.slack(LIMIT)
    assert kept == list(range(100 - len(kept), 100))


def token(event_id):
    """The resume token (the hub's sequence number) of the event of the ``event_id``-th write."""
    return event_id + 1


@probes_the_engine
def test_a_journaled_history_resumes_in_order_across_the_rewrites_and_a_restart(tmp_path):
    journaled = hub(tmp_path)
    publish(journaled, range(37))
    # Rewritten (pruned back to 10) at the 34th event: it holds the events of 24 to 36.
    assert retained(journaled) == list(range(24, 37))
    assert read_after(journaled, token(34)) == [35, 36]
    assert read_after(journaled, token(26)) == list(range(27, 37))
    restarted = hub(tmp_path)
    assert retained(restarted) == list(range(24, 37))
    assert read_after(restarted, token(26)) == list(range(27, 37))
    publish(restarted, range(37, 60))
    assert read_after(restarted, token(48)) == list(range(49, 60))
    assert retained(hub(tmp_path)) == retained(restarted)


@probes_the_engine
def test_a_hub_without_a_journal_keeps_exactly_its_limit(tmp_path):
    in_memory = ChangeStreamHub(max_retained_events=LIMIT)
    publish(in_memory, range(25))
    assert retained(in_memory) == list(range(15, 25))


@pytest.fixture
def server(tmp_path):
    """A client of a persistent embedded server of its own (of MongoDB when MONGODB_URI is
    set)."""
    with persistent_client(tmp_path) as client:
        yield client


@pytest.fixture
def collection(server):
    server.drop_database("change_journal_tests")
    yield server.change_journal_tests.books
    server.drop_database("change_journal_tests")


def read(stream, count):
    """The next ``count`` events of stream, as (event _id, token), stopping at a quiet stream."""
    events = []
    while len(events) < count and (event := stream.try_next()) is not None:
        events.append((event["documentKey"]["_id"], event["_id"]))
    return events


def test_updates_past_the_history_limit_stream_every_event_in_order(collection):
    collection.insert_many([{"_id": number} for number in range(MANY)])
    seen = []
    with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
        # Read while the updates are written, as a watching process does.
        def watch():
            while len(seen) < MANY and (batch := read(stream, MANY - len(seen))):
                seen.extend(batch)
            while len(seen) < MANY:
                event = stream.try_next()
                if event is not None:
                    seen.append((event["documentKey"]["_id"], event["_id"]))

        reader = threading.Thread(target=watch, daemon=True)
        reader.start()
        result = collection.bulk_write(
            [UpdateOne({"_id": number}, {"$set": {"a": 1}}) for number in range(MANY)])
        reader.join(timeout=120)
    assert not reader.is_alive()
    assert result.modified_count == MANY
    assert [event_id for event_id, _token in seen] == list(range(MANY))
    with collection.watch(resume_after=seen[MANY - 301][1],
                          max_await_time_ms=AWAIT_MS) as resumed:
        assert [event_id for event_id, _ in read(resumed, 400)] == list(range(MANY - 300, MANY))


@pytest.mark.skipif(REAL_SERVER, reason="restarts the persistent embedded server")
def test_a_stream_resumes_past_the_history_limit_after_a_restart(tmp_path):
    host = f"embedded://{tmp_path}"
    with pymongo.MongoClient(embedded_server_uri(host)) as client:
        collection = client.change_journal_tests.books
        collection.insert_many([{"_id": number} for number in range(MANY)])
        with collection.watch(max_await_time_ms=AWAIT_MS) as stream:
            collection.bulk_write(
                [UpdateOne({"_id": number}, {"$set": {"a": 1}}) for number in range(MANY)])
            # All of them still held: the history keeps 10,000 to 15,000 events.
            events = read(stream, MANY)
    assert [event_id for event_id, _token in events] == list(range(MANY))
    stop_embedded_server(tmp_path)
    with pymongo.MongoClient(embedded_server_uri(host)) as restarted:
        collection = restarted.change_journal_tests.books
        collection.update_one({"_id": 0}, {"$set": {"a": 2}})
        for after in (99, MANY - 101):
            with collection.watch(resume_after=events[after][1],
                                  max_await_time_ms=AWAIT_MS) as resumed:
                assert [event_id for event_id, _ in read(resumed, MANY)] == [
                    *range(after + 1, MANY), 0]
    stop_embedded_server(tmp_path)
