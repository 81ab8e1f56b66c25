"""`_id $in` on the embedded engine (shim "id-in-scans-the-collection"): answered from the stored
keys, it still selects exactly the documents MongoDB selects, whatever the types of the ids.

Every test but the probe runs against a real MongoDB too when MONGODB_URI is set.
"""

import random

import pymongo
import pytest
from bson import Decimal128, Int64, ObjectId, Regex

from djongo_core.embedded import embedded_server_uri, shims
from tests.engine_clients import REAL_SERVER, probes_the_engine, scratch_client


@pytest.fixture
def client():
    with scratch_client("id_lookup_tests") as client:
        yield client


@pytest.fixture
def collection(client):
    collection = client.id_lookup_tests.things
    collection.insert_many([{"_id": number, "v": number % 3} for number in range(1, 31)])
    return collection


def ids(documents):
    """The documents' ids, in an order that does not depend on the server's plan (MongoDB reads
    `_id $in` through its index, mongoeco in natural order)."""
    return sorted((document["_id"] for document in documents), key=repr)


def listed(*values):
    return sorted(values, key=repr)


@probes_the_engine
def test_id_lookup_shim_is_still_needed():
    client = pymongo.MongoClient(embedded_server_uri("embedded:"))
    try:
        assert shims.id_lookup_still_needed(client), (
            "mongoeco now answers `_id $in` without reading every document: delete "
            "djongo_core/embedded/shims/id_lookup.py and its entry in docs/engine-deviations.md.")
    finally:
        client.close()


def test_listed_ids_with_the_rest_of_the_filter(collection):
    assert ids(collection.find({"_id": {"$in": [9, 3, 99, 4]}})) == listed(3, 4, 9)
    assert ids(collection.find({"$and": [{"v": 0}, {"_id": {"$in": [9, 3, 4, 99]}}]})) == listed(
        3, 9)
    assert ids(collection.find({"_id": {"$in": []}})) == []


def test_numbers_of_every_type_find_each_other(collection):
    collection.insert_many([{"_id": 2.5}, {"_id": Int64(2**40)}, {"_id": 40.0}])
    found = collection.find({"_id": {"$in": [1.0, Int64(2), 2.5, 2**40, Int64(40), 3]}})
    assert ids(found) == listed(1, 2, 3, 2.5, 2**40, 40.0)


def test_a_decimal128_id_is_found_by_an_equal_number(collection):
    collection.insert_one({"_id": Decimal128("31.00")})
    assert ids(collection.find({"_id": {"$in": [31, 1]}})) == listed(1, Decimal128("31.00"))
    assert collection.delete_many({"_id": {"$in": [31.0]}}).deleted_count == 1
    # Gone, the collection's ids are plain numbers again.
    assert ids(collection.find({"_id": {"$in": [31, 30]}})) == [30]


def test_strings_object_ids_and_what_is_left_to_the_engine(client):
    collection = client.id_lookup_tests.mixed
    oid = ObjectId()
    collection.insert_many([{"_id": "a"}, {"_id": "b"}, {"_id": oid}, {"_id": None},
                            {"_id": {"k": 1}}, {"_id": "ab"}])
    assert ids(collection.find({"_id": {"$in": ["b", oid, "z"]}})) == listed("b", oid)
    assert ids(collection.find({"_id": {"$in": [None, "a"]}})) == listed("a", None)
    found = collection.find({"_id": {"$in": [Regex("^a"), {"k": 1}]}})
    assert ids(found) == listed("a", {"k": 1}, "ab")


def test_a_collation_still_applies(client):
    collection = client.id_lookup_tests.words
    collection.insert_many([{"_id": "Apple"}, {"_id": "pear"}])
    found = collection.find({"_id": {"$in": ["apple"]}}, collation={"locale": "en", "strength": 2})
    assert ids(found) == ["Apple"]


def test_writes_by_id_lists(collection):
    result = collection.update_many({"_id": {"$in": [1, 2.0, Int64(3), 99]}}, {"$set": {"x": 1}})
    assert (result.matched_count, result.modified_count) == (3, 3)
    assert collection.delete_many({"_id": {"$in": list(range(0, 31, 2))}}).deleted_count == 15
    assert collection.count_documents({"_id": {"$in": list(range(1, 31))}}) == 15
    assert ids(collection.find({"x": 1})) == listed(1, 3)


def test_deleting_most_of_a_collection_by_batches(collection):
    collection.insert_many([{"_id": number} for number in range(100, 3_100)])
    for start in range(100, 3_000, 100):
        assert collection.delete_many(
            {"_id": {"$in": list(range(start, start + 100))}}).deleted_count == 100
    assert collection.count_documents({}) == 30 + 100


def test_inside_a_transaction_the_session_sees_its_own_writes(client, collection):
    if not client.is_primary and not REAL_SERVER:
        pytest.skip("transactions need a replica set")
    with client.start_session() as session, session.start_transaction():
        collection.insert_one({"_id": 100}, session=session)
        collection.delete_one({"_id": 1}, session=session)
        found = collection.find({"_id": {"$in": [1, 2, 100]}}, session=session)
        assert ids(found) == listed(2, 100)
        assert ids(collection.find({"_id": {"$in": [1, 2, 100]}})) == listed(1, 2)
        session.abort_transaction()
    assert ids(collection.find({"_id": {"$in": [1, 2, 100]}})) == listed(1, 2)


@pytest.mark.skipif(REAL_SERVER, reason="compares the embedded engine with and without the shim")
def test_the_same_documents_as_mongoeco_alone(client):
    """Random id lists over ids of every kind: the shim answers what mongoeco's scan answers."""
    from djongo_core.embedded.shims import id_lookup

    collection = client.id_lookup_tests.compared
    kinds = [lambda n: n, float, Int64, lambda n: str(n), lambda n: n + 0.5]
    collection.insert_many([{"_id": kinds[n % len(kinds)](n), "v": n % 4} for n in range(300)])
    generator = random.Random(24)
    filters = []
    for _ in range(60):
        listed_ids = [generator.choice(kinds)(generator.randrange(320)) for _ in range(12)]
        filters += [{"_id": {"$in": listed_ids}},
                    {"$and": [{"v": generator.randrange(4)}, {"_id": {"$in": listed_ids}}]}]

    def answers():
        return [ids(collection.find(selector)) for selector in filters]

    with_shim = answers()
    id_lookup.uninstall()
    try:
        without = answers()
    finally:
        id_lookup.install()
    assert with_shim == without
    assert sum(map(len, with_shim)) > 100   # the lists do find documents
