"""The embedded engine's insert path (shim "insert-cost-grows-with-collection"): duplicate `_id`s
are still refused as MongoDB refuses them, with the index doing the checking, and insert
commands keep MongoDB's ordered and unordered semantics when written as batches, and a batch
larger than mongoeco's change log leaves change streams working (shim "change-log-overflow").

Every test but the probe runs against a real MongoDB too when MONGODB_URI is set.
"""

import pymongo
import pytest
from bson import Decimal128, Int64

from djongo_core.embedded import embedded_server_uri, shims
from tests.engine_clients import probes_the_engine, scratch_client


@pytest.fixture
def collection():
    with scratch_client("insert_path_tests") as client:
        yield client.insert_path_tests.things


@probes_the_engine
def test_insert_path_shim_is_still_needed():
    client = pymongo.MongoClient(embedded_server_uri("embedded:"))
    try:
        scans, one_by_one = shims.insert_path_still_needed(client)
    finally:
        client.close()
    assert scans or one_by_one, (
        "mongoeco now inserts without reading every stored document and writes an insert "
        "command as one batch: delete djongo_core/embedded/shims/insert_path.py and its entry "
        "in docs/engine-deviations.md.")


@probes_the_engine
def test_change_log_shim_is_still_needed():
    assert shims.change_log_still_needed(), (
        "mongoeco's change streams now survive a write of more documents than its change log "
        "holds: let insert_path.py write an insert command as one batch (drop CHUNK) and delete "
        "the change-log-overflow entry in docs/engine-deviations.md.")


@pytest.mark.parametrize("equal", [1.0, Int64(1), Decimal128("1.00")], ids=repr)
def test_an_equal_id_of_another_numeric_type_is_a_duplicate(collection, equal):
    collection.insert_many([{"_id": number} for number in range(1, 50)])
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        collection.insert_one({"_id": equal})
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        collection.insert_many([{"_id": 100}, {"_id": equal}, {"_id": 101}])
    assert refused.value.details["nInserted"] == 1
    assert [e["index"] for e in refused.value.details["writeErrors"]] == [1]
    assert refused.value.details["writeErrors"][0]["code"] == 11000
    assert collection.count_documents({}) == 50


def test_duplicates_inside_one_batch(collection):
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        collection.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 2.0}, {"_id": 3}])
    assert refused.value.details["nInserted"] == 2
    assert sorted(d["_id"] for d in collection.find()) == [1, 2]


def test_unordered_batch_goes_on_after_each_duplicate(collection):
    collection.insert_one({"_id": "b"})
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        collection.insert_many([{"_id": "a"}, {"_id": "b"}, {"_id": "c"}, {"_id": "a"},
                                {"_id": "d"}], ordered=False)
    assert refused.value.details["nInserted"] == 3
    assert [e["index"] for e in refused.value.details["writeErrors"]] == [1, 3]
    assert sorted(d["_id"] for d in collection.find()) == ["a", "b", "c", "d"]


def test_a_unique_index_is_still_enforced_in_a_batch(collection):
    collection.create_index("serial", unique=True)
    collection.insert_many([{"_id": n, "serial": n} for n in range(10)])
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        collection.insert_many([{"_id": 10, "serial": 10}, {"_id": 11, "serial": 3}])
    error = refused.value.details["writeErrors"][0]
    assert (error["index"], error["code"], error["keyValue"]) == (1, 11000, {"serial": 3})
    assert collection.count_documents({}) == 11


def test_ids_deleted_or_rolled_back_can_be_inserted_again(collection):
    collection.insert_many([{"_id": n} for n in range(20)])
    collection.delete_many({"_id": {"$lt": 5}})
    collection.insert_many([{"_id": n} for n in range(5)])
    collection.insert_one({"_id": 20})
    collection.delete_one({"_id": 20})
    collection.insert_one({"_id": 20.0})
    assert collection.count_documents({}) == 21
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        collection.insert_one({"_id": 3})


def test_an_invalid_document_in_a_batch_is_a_write_error_at_its_place(collection):
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        collection.insert_many([{"_id": 1}, {"_id": [2]}, {"_id": 3}], ordered=False)
    assert [e["index"] for e in refused.value.details["writeErrors"]] == [1]
    assert sorted(d["_id"] for d in collection.find()) == [1, 3]


def test_a_validator_rejection_in_a_batch_keeps_the_prefix(collection):
    collection.database.create_collection(
        "checked", validator={"rank": {"$gte": 0}})
    checked = collection.database.checked
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        checked.insert_many([{"_id": 1, "rank": 1}, {"_id": 2, "rank": -1}, {"_id": 3, "rank": 2}])
    assert refused.value.details["nInserted"] == 1
    assert refused.value.details["writeErrors"][0]["code"] == 121
    assert [d["_id"] for d in checked.find()] == [1]


def test_an_ordered_insert_stops_at_a_duplicate_far_into_it(collection):
    collection.insert_one({"_id": 2_500})
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        collection.insert_many([{"_id": n} for n in range(3_000)])
    assert refused.value.details["nInserted"] == 2_500
    assert [e["index"] for e in refused.value.details["writeErrors"]] == [2_500]
    assert collection.count_documents({}) == 2_501


def test_an_unordered_insert_reports_duplicates_at_their_places(collection):
    collection.insert_many([{"_id": 500}, {"_id": 2_500}])
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        collection.insert_many([{"_id": n} for n in range(3_000)], ordered=False)
    assert refused.value.details["nInserted"] == 2_998
    assert [e["index"] for e in refused.value.details["writeErrors"]] == [500, 2_500]
    assert collection.count_documents({}) == 3_000


def test_a_validator_rejection_far_into_a_batch_keeps_the_prefix(collection):
    collection.database.create_collection("checked", validator={"rank": {"$gte": 0}})
    checked = collection.database.checked
    documents = [{"_id": n, "rank": -1 if n == 1_700 else n} for n in range(2_000)]
    with pytest.raises(pymongo.errors.BulkWriteError) as refused:
        checked.insert_many(documents)
    assert refused.value.details["nInserted"] == 1_700
    errors = refused.value.details["writeErrors"]
    assert [(error["index"], error["code"]) for error in errors] == [(1_700, 121)]
    assert checked.count_documents({}) == 1_700


def test_change_streams_go_on_after_a_batch_larger_than_the_change_log(collection):
    # mongoeco's log holds 10,000 events: one write of more used to fail every later stream.
    collection.insert_many([{"_id": n} for n in range(10_050)])
    with collection.watch(max_await_time_ms=1000) as stream:
        collection.insert_one({"_id": "after"})
        event = stream.try_next()
        while event is None and stream.alive:
            event = stream.try_next()
    assert event["operationType"] == "insert"
    assert event["documentKey"] == {"_id": "after"}
