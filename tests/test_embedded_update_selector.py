"""update_many on the embedded engine (shim "update-many-recompiles-its-filter"): a filter
compiled once per command still selects exactly what MongoDB selects, command after command.

Every test but the probe runs against a real MongoDB too when MONGODB_URI is set.
"""

import pymongo
import pytest
from bson import Decimal128, Int64

from djongo_core.embedded import embedded_server_uri, shims
from tests.engine_clients import probes_the_engine, scratch_client


@pytest.fixture
def client():
    with scratch_client("update_selector_tests") as client:
        yield client


@pytest.fixture
def collection(client):
    collection = client.update_selector_tests.numbers
    collection.insert_many([{"_id": number, "v": number % 3} for number in range(30)])
    return collection


def marked(collection, field="x"):
    return sorted(d["_id"] for d in collection.find({field: {"$exists": True}}, {"_id": 1}))


@probes_the_engine
def test_update_selector_shim_is_still_needed():
    client = pymongo.MongoClient(embedded_server_uri("embedded:"))
    try:
        assert shims.update_selector_still_needed(client), (
            "mongoeco now compiles an update_many's filter once: delete "
            "djongo_core/embedded/shims/update_selector.py and its entry in "
            "docs/engine-deviations.md.")
    finally:
        client.close()


def test_batches_by_id_lists_update_their_own_documents(collection):
    # A backfill's shape: the same selector with a new id list per command.
    for batch in (list(range(0, 10)), list(range(10, 20)), [20, 21, 99]):
        result = collection.update_many(
            {"$and": [{"x": {"$exists": False}}, {"_id": {"$in": batch}}]}, {"$set": {"x": 1}})
        assert result.matched_count == result.modified_count == len([i for i in batch if i < 30])
    assert marked(collection) == list(range(22))


def test_equal_filters_of_different_commands_see_current_documents(collection):
    selector = {"v": 0, "x": {"$exists": False}}
    assert collection.update_many(selector, {"$set": {"x": 1}}).modified_count == 10
    # The same filter again: the documents it matched no longer match it.
    assert collection.update_many(selector, {"$set": {"x": 2}}).matched_count == 0
    collection.update_many({"_id": {"$in": [0, 3]}}, {"$unset": {"x": ""}})
    assert collection.update_many(selector, {"$set": {"x": 3}}).modified_count == 2
    assert sorted(d["x"] for d in collection.find({"v": 0})) == [1] * 8 + [3] * 2


def test_numbers_of_other_types_in_the_list_match(collection):
    result = collection.update_many({"_id": {"$in": [1.0, Int64(2), Decimal128("3.00"), "4"]}},
                                    {"$set": {"x": 1}})
    assert result.modified_count == 3
    assert marked(collection) == [1, 2, 3]


def test_expr_filter_with_let_variables(collection):
    result = collection.update_many({"$expr": {"$lt": ["$_id", "$$limit"]}}, {"$set": {"x": 1}},
                                    let={"limit": 5})
    assert result.modified_count == 5
    result = collection.update_many({"$expr": {"$lt": ["$_id", "$$limit"]}}, {"$set": {"y": 1}},
                                    let={"limit": 8})
    assert result.modified_count == 8
    assert marked(collection) == list(range(5))
    assert marked(collection, "y") == list(range(8))


def test_pipeline_update_over_an_id_list(collection):
    result = collection.update_many({"_id": {"$in": list(range(5, 25))}},
                                    [{"$set": {"x": {"$add": ["$v", 10]}}}])
    assert result.modified_count == 20
    assert collection.find_one({"_id": 7})["x"] == 11
    assert marked(collection) == list(range(5, 25))


def test_update_inside_a_transaction_and_after_it(client, collection):
    try:
        with client.start_session() as session, session.start_transaction():
            collection.update_many({"_id": {"$in": [1, 2, 3]}}, {"$set": {"x": 1}},
                                   session=session)
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    except pymongo.errors.OperationFailure as error:  # a standalone server has no transactions
        pytest.skip(str(error))
    assert marked(collection) == []
    assert collection.update_many({"_id": {"$in": [1, 2, 3]}},
                                  {"$set": {"x": 1}}).modified_count == 3
