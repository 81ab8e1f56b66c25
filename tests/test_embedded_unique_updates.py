"""Updates under a unique index on the persistent embedded engine (deviation
"unique-check-scans-the-collection": its array query shimmed by
djongo_core/embedded/shims/unique_arrays.py, its scan for numbers not).

The behaviour tests pin the rule the cheaper check must keep (MongoDB's: a unique index holds
each element of an array as a key, and numbers of every type are one key), after updates that
let the shim keep its "no array" answers, on a persistent server and, when MONGODB_URI is set,
on a real MongoDB. The cost tests count, in an in-process SQLite engine, the whole-collection
work done for each such update.
"""

import itertools
from pathlib import Path

import bson
import pymongo
import pytest
from mongoeco import MongoClient
from mongoeco.engines.sqlite import SQLiteEngine
from pymongo.errors import DuplicateKeyError

from djongo_core.embedded import shims
from tests.engine_clients import persistent_client, probes_the_engine

STORED = 300


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A client of a persistent embedded server (of MongoDB when MONGODB_URI is set)."""
    with persistent_client(tmp_path_factory.mktemp("unique_updates")) as client:
        yield client


@pytest.fixture
def codes(server):
    server.drop_database("unique_update_tests")
    collection = server.unique_update_tests.codes
    collection.create_index("code", unique=True)
    yield collection
    server.drop_database("unique_update_tests")


def test_an_update_to_an_element_of_a_stored_array_is_a_duplicate(codes):
    codes.insert_many([{"_id": 1, "code": ["a", "b"]}, {"_id": 2, "code": "c"}])
    with pytest.raises(DuplicateKeyError):
        codes.update_one({"_id": 2}, {"$set": {"code": "b"}})
    codes.update_one({"_id": 2}, {"$set": {"code": "d"}})
    assert codes.find_one({"_id": 2}) == {"_id": 2, "code": "d"}


def test_an_update_to_an_array_holding_a_stored_value_is_a_duplicate(codes):
    codes.insert_many([{"_id": 1, "code": "a"}, {"_id": 2, "code": "c"}])
    with pytest.raises(DuplicateKeyError):
        codes.update_one({"_id": 2}, {"$set": {"code": ["z", "a"]}})
    # The array, once stored, takes part in later checks.
    codes.update_one({"_id": 2}, {"$set": {"code": ["z", "y"]}})
    with pytest.raises(DuplicateKeyError):
        codes.update_one({"_id": 1}, {"$set": {"code": "y"}})


def test_numbers_of_every_type_are_one_key(codes):
    codes.insert_many([{"_id": 1, "code": 7}, {"_id": 2, "code": 8}])
    for same in (7.0, bson.Int64(7), bson.Decimal128("7.00")):
        with pytest.raises(DuplicateKeyError):
            codes.update_one({"_id": 2}, {"$set": {"code": same}})
    codes.update_one({"_id": 2}, {"$set": {"code": 7.5}})
    assert codes.count_documents({"code": 7.5}) == 1


def settle(collection, count=5):
    """Scalar updates (each a change), each of which lets the shim keep its "no array"
    answers."""
    for number in range(count):
        round_ = next(_rounds)
        collection.update_one({"_id": f"settle{number}"},
                              {"$set": {"code": f"settled{number}-{round_}"}}, upsert=True)


_rounds = itertools.count()


def test_an_array_written_after_many_scalar_updates_is_checked(codes):
    codes.insert_many([{"_id": 1, "code": "a"}, {"_id": 2, "code": "b"}])
    settle(codes)
    codes.update_one({"_id": 2}, {"$set": {"code": ["b", "x"]}})
    settle(codes)
    with pytest.raises(DuplicateKeyError):
        codes.update_one({"_id": 1}, {"$set": {"code": "x"}})
    assert codes.find_one({"_id": 1}) == {"_id": 1, "code": "a"}


@pytest.mark.parametrize("write", ["upsert", "replace", "push"])
def test_arrays_written_by_upserts_replacements_and_pushes_are_checked(codes, write):
    codes.insert_one({"_id": 1, "code": "a"})
    settle(codes)
    if write == "upsert":
        codes.update_one({"_id": 2}, {"$set": {"code": ["x", "y"]}}, upsert=True)
    elif write == "replace":
        codes.insert_one({"_id": 2, "code": "w"})
        settle(codes)
        codes.replace_one({"_id": 2}, {"code": ["x", "y"]})
    else:
        codes.insert_one({"_id": 2})
        settle(codes)
        codes.update_one({"_id": 2}, {"$push": {"code": {"$each": ["x", "y"]}}})
    settle(codes)
    with pytest.raises(DuplicateKeyError):
        codes.update_one({"_id": 1}, {"$set": {"code": "y"}})


def test_an_array_above_a_nested_unique_path_is_checked(server):
    server.drop_database("unique_update_tests")
    collection = server.unique_update_tests.nested
    collection.create_index("meta.code", unique=True)
    try:
        collection.insert_many([{"_id": 1, "meta": {"code": "a"}},
                                {"_id": 2, "meta": {"code": "b"}}])
        for number in range(3):
            collection.update_one({"_id": 2}, {"$set": {"meta.code": f"b{number}"}})
        collection.update_one({"_id": 2}, {"$set": {"meta": [{"code": "q"}, {"code": "r"}]}})
        collection.update_one({"_id": 1}, {"$set": {"meta.code": "a2"}})
        with pytest.raises(DuplicateKeyError):
            collection.update_one({"_id": 1}, {"$set": {"meta.code": "r"}})
    finally:
        server.drop_database("unique_update_tests")


def test_an_array_written_in_a_transaction_is_checked_after_its_commit(server, codes):
    codes.insert_many([{"_id": 1, "code": "a"}, {"_id": 2, "code": "b"}])
    settle(codes)
    with server.start_session() as session:
        with session.start_transaction():
            codes.update_one({"_id": 2}, {"$set": {"code": ["b", "x"]}}, session=session)
    settle(codes)
    with pytest.raises(DuplicateKeyError):
        codes.update_one({"_id": 1}, {"$set": {"code": "x"}})


@pytest.fixture
def engine_codes(tmp_path):
    """(engine, collection): an in-process SQLite engine whose collection holds STORED
    documents under a unique index on code, with the embedded server's shims."""
    shims.install()
    engine = SQLiteEngine(str(Path(tmp_path) / "unique.sqlite3"))
    with MongoClient(engine) as client:
        collection = client.unique_update_probe.codes
        collection.create_index("code", unique=True)
        yield engine, collection


@probes_the_engine
def test_an_update_of_a_numeric_unique_value_decodes_its_candidates_only(
        engine_codes, monkeypatch):
    _engine, collection = engine_codes
    collection.insert_many([{"_id": number, "code": number} for number in range(STORED)])
    decoded = []
    original = SQLiteEngine._deserialize_document
    monkeypatch.setattr(SQLiteEngine, "_deserialize_document",
                        lambda self, *args, **kwargs: decoded.append(1) or original(
                            self, *args, **kwargs))
    collection.update_one({"_id": 0}, {"$set": {"code": STORED + 1}})
    collection.update_one({"_id": 1}, {"$set": {"code": 2.0000000001}})
    # mongoeco decodes all STORED at each (test_unique_numbers_shim_is_still_needed); the
    # shim the documents it writes or reads back and the one near candidate (code 2).
    assert len(decoded) < 20, len(decoded)


def array_queries(engine, write):
    """The SQL statements asking whether a stored document holds an array, while write()."""
    statements = []
    engine._require_connection().set_trace_callback(statements.append)
    try:
        write()
    finally:
        engine._require_connection().set_trace_callback(None)
    return [sql for sql in statements if "json_type(document" in sql and "'array'" in sql]


@probes_the_engine
def test_unique_arrays_shim_is_still_needed(tmp_path):
    assert shims.unique_arrays_still_needed(tmp_path), (
        "mongoeco's SQLite engine no longer asks the whole collection about arrays at each "
        "update under a unique index: delete djongo_core/embedded/shims/unique_arrays.py and "
        "its part of the entry in docs/engine-deviations.md.")


@probes_the_engine
def test_updates_of_unique_values_ask_the_collection_about_arrays_once(engine_codes):
    engine, collection = engine_codes
    collection.insert_many([{"_id": number, "code": f"c{number}"} for number in range(STORED)])

    def updates():
        for number in range(20):
            collection.update_one({"_id": number}, {"$set": {"code": f"new{number}"}})

    # mongoeco asks at each of them (test_unique_arrays_shim_is_still_needed).
    assert len(array_queries(engine, updates)) <= 1


@probes_the_engine
def test_an_update_writing_an_array_makes_the_next_one_ask_again(engine_codes):
    engine, collection = engine_codes
    collection.insert_many([{"_id": number, "code": f"c{number}"} for number in range(STORED)])
    collection.update_one({"_id": 0}, {"$set": {"code": "warm"}})
    collection.update_one({"_id": 1}, {"$set": {"code": ["x", "y"]}})
    asked = array_queries(engine, lambda: collection.update_one(
        {"_id": 2}, {"$set": {"code": "z"}}))
    assert asked


def test_a_number_is_checked_against_every_numeric_type_and_not_against_itself(codes):
    big = 2 ** 53 + 1
    codes.insert_many([{"_id": 1, "code": 7}, {"_id": 2, "code": bson.Int64(big)},
                       {"_id": 3, "code": bson.Decimal128("-2.5")}, {"_id": 4, "code": 0.0},
                       {"_id": 5, "code": "8"}, {"_id": 6, "code": True}, {"_id": 7}])
    # Its own value is no duplicate: an update of another field checks it again.
    codes.update_one({"_id": 1}, {"$set": {"other": 1}})
    for taken in (7, big, -2.5, bson.Decimal128("-2.50"), 0, -0.0):
        with pytest.raises(DuplicateKeyError):
            codes.update_one({"_id": 7}, {"$set": {"code": taken}})
        with pytest.raises(DuplicateKeyError):
            codes.insert_one({"_id": "new", "code": taken})
    # Near values, the string "8", a boolean and null are other keys.
    for free in (big - 1, 7.000001, 8, 1):
        codes.update_one({"_id": 7}, {"$set": {"code": free}})
    assert codes.count_documents({}) == 7


def test_numbers_in_a_partial_unique_index(server):
    server.drop_database("unique_update_tests")
    collection = server.unique_update_tests.partial
    collection.create_index("rank", unique=True,
                            partialFilterExpression={"active": {"$eq": True}})
    try:
        collection.insert_many([{"_id": 1, "rank": 1, "active": True},
                                {"_id": 2, "rank": 1, "active": False},
                                {"_id": 3, "rank": 2, "active": False}])
        collection.update_one({"_id": 3}, {"$set": {"rank": 1}})   # outside the index
        with pytest.raises(DuplicateKeyError):
            collection.update_one({"_id": 3}, {"$set": {"active": True}})
        collection.update_one({"_id": 1}, {"$set": {"active": False}})
        collection.update_one({"_id": 3}, {"$set": {"active": True}})
    finally:
        server.drop_database("unique_update_tests")


def test_a_batch_of_numbers_is_checked_against_the_stored_ones_and_itself(codes):
    codes.insert_many([{"_id": number, "code": number} for number in range(100)])
    with pytest.raises(pymongo.errors.BulkWriteError) as stored:
        codes.insert_many([{"_id": 100 + n, "code": 200 + n} for n in range(10)]
                          + [{"_id": 110, "code": 50.0}])
    assert [e["index"] for e in stored.value.details["writeErrors"]] == [10]
    with pytest.raises(pymongo.errors.BulkWriteError) as within:
        codes.insert_many([{"_id": 111, "code": 300}, {"_id": 112, "code": bson.Int64(300)}])
    assert [e["index"] for e in within.value.details["writeErrors"]] == [1]
    assert codes.count_documents({}) == 111


@probes_the_engine
def test_unique_numbers_shim_is_still_needed(tmp_path):
    assert shims.unique_numbers_still_needed(tmp_path), (
        "mongoeco's SQLite engine no longer decodes every stored document to check a number "
        "under a unique index: delete djongo_core/embedded/shims/unique_numbers.py and its "
        "part of the entry in docs/engine-deviations.md.")
