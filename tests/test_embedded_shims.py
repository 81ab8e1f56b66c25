"""The embedded engine's shims work, and each is reported obsolete once mongoeco has the feature.

See docs/engine-deviations.md: a shim exists only while mongoeco lacks what MongoDB does.
"""

import pymongo
import pytest

from djongo_core import embedded_shims
from djongo_core.embedded import embedded_server_uri


@pytest.mark.parametrize("operator", sorted(embedded_shims.SHIMS))
def test_shim_is_still_needed(operator):
    assert not embedded_shims.native_support(operator), (
        f"mongoeco now implements {operator} itself: delete its shim from "
        "djongo_core/embedded_shims.py and its entry from docs/engine-deviations.md."
    )


@pytest.fixture(scope="module")
def database():
    client = pymongo.MongoClient(embedded_server_uri("embedded:"))
    database = client.shim_tests
    database.values.drop()
    database.values.insert_many([
        {"_id": 1, "a": 1}, {"_id": 2, "a": None}, {"_id": 3}, {"_id": 4, "a": 0},
        {"_id": 5, "a": ""}, {"_id": 6, "a": []},
    ])
    yield database
    client.close()


def test_not_expression_negates_with_mongodb_truthiness(database):
    # MongoDB: false, null, 0 and missing are false; everything else (even "" and []) is true.
    result = database.values.aggregate([
        {"$project": {"listed": {"$not": ["$a"]}, "bare": {"$not": "$a"}}},
        {"$sort": {"_id": 1}},
    ])
    assert [(d["listed"], d["bare"]) for d in result] == [
        (False, False), (True, True), (True, True), (True, True), (False, False), (False, False)]


def test_not_expression_inside_a_match(database):
    # In aggregation order strings and arrays sort above numbers, null and missing below.
    result = database.values.find({"$expr": {"$not": [{"$gt": ["$a", 0]}]}}, {"_id": 1})
    assert sorted(d["_id"] for d in result) == [2, 3, 4]
