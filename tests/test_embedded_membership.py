"""$in on the embedded engine (shim "in-cost-grows-with-the-list"): hashed lists match exactly
what MongoDB matches, across numeric types, strings, arrays, null and regular expressions.

Every test but the probe runs against a real MongoDB too when MONGODB_URI is set.
"""

import re

import pymongo
import pytest
from bson import Decimal128, Int64, Regex

from djongo_core.embedded import embedded_server_uri, shims
from tests.engine_clients import probes_the_engine, scratch_client


@pytest.fixture
def collection():
    with scratch_client("membership_tests") as client:
        collection = client.membership_tests.values
        collection.insert_many([
            {"_id": 1, "v": 1}, {"_id": 2, "v": 2.5}, {"_id": 3, "v": Int64(3)},
            {"_id": 4, "v": Decimal128("4.0")}, {"_id": 5, "v": "five"}, {"_id": 6, "v": True},
            {"_id": 7, "v": [7, "seven"]}, {"_id": 8, "v": None}, {"_id": 9},
            {"_id": 10, "v": "Five"}, {"_id": 11, "v": 0}, {"_id": 12, "v": -0.0},
        ])
        yield collection


def matched(collection, values):
    return sorted(d["_id"] for d in collection.find({"v": {"$in": values}}, {"_id": 1}))


@probes_the_engine
def test_membership_shim_is_still_needed():
    client = pymongo.MongoClient(embedded_server_uri("embedded:"))
    try:
        assert shims.membership_still_needed(client), (
            "mongoeco now hashes $in lists of numbers itself: delete "
            "djongo_core/embedded/shims/membership.py and its entry in "
            "docs/engine-deviations.md.")
    finally:
        client.close()


def test_numbers_match_across_their_types(collection):
    assert matched(collection, [1.0, Decimal128("2.50"), 3, 4]) == [1, 2, 3, 4]
    assert matched(collection, [Int64(1), 7.0]) == [1, 7]
    assert matched(collection, [0]) == [11, 12]


def test_booleans_are_not_numbers(collection):
    assert matched(collection, [1]) == [1]
    assert matched(collection, [True]) == [6]


def test_strings_match_exactly_and_inside_arrays(collection):
    assert matched(collection, ["five", "seven"]) == [5, 7]
    assert matched(collection, ["FIVE"]) == []


def test_null_matches_missing_and_null(collection):
    assert matched(collection, [None, 2.5]) == [2, 8, 9]


def test_regular_expressions_beside_hashed_values(collection):
    assert matched(collection, [Regex("^f"), 3]) == [3, 5]
    assert matched(collection, [re.compile("^F"), "seven"]) == [7, 10]


def test_a_collation_still_applies(collection):
    found = collection.find({"v": {"$in": ["FIVE"]}}, {"_id": 1},
                            collation={"locale": "en", "strength": 2})
    assert sorted(d["_id"] for d in found) == [5, 10]


def test_updates_and_deletes_by_a_long_id_list(collection):
    collection.insert_many([{"_id": n, "v": -1} for n in range(100, 1100)])
    ids = list(range(100, 1100, 2))
    result = collection.update_many({"$and": [{"v": -1}, {"_id": {"$in": ids}}]},
                                    {"$set": {"v": -2}})
    assert (result.matched_count, result.modified_count) == (500, 500)
    assert collection.count_documents({"v": -2}) == 500
    assert collection.delete_many({"_id": {"$in": [float(n) for n in ids]}}).deleted_count == 500
    assert collection.count_documents({"v": -1}) == 500


def test_not_in_is_its_complement(collection):
    found = collection.find({"v": {"$nin": [1, "five", None]}}, {"_id": 1})
    assert sorted(d["_id"] for d in found) == [2, 3, 4, 6, 7, 10, 11, 12]
