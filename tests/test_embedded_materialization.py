"""Blocking stages over more than 50,000 documents (shim "aggregation-materialization-limit"):
count(), $group and $sort of a large collection run without allowDiskUse, as on MongoDB 6.0+.

The behaviour test runs against a real MongoDB too when MONGODB_URI is set.
"""

import os

import pymongo
import pytest

from djongo_core.embedded import embedded_server_uri
from djongo_core.embedded.shims import materialization

REAL_SERVER = bool(os.environ.get("MONGODB_URI"))


@pytest.mark.skipif(REAL_SERVER, reason="probes the embedded engine")
def test_materialization_shim_is_still_needed():
    assert materialization.still_needed(), (
        "mongoeco no longer caps blocking aggregation stages by default: delete "
        "djongo_core/embedded/shims/materialization.py, its uses, and its entry in "
        "docs/engine-deviations.md.")


def test_a_group_and_a_sort_over_more_than_fifty_thousand_documents():
    client = pymongo.MongoClient(os.environ.get("MONGODB_URI")
                                 or embedded_server_uri("embedded:"))
    collection = client.materialization_tests.numbers
    try:
        collection.drop()
        collection.insert_many([{"_id": number} for number in range(50_001)])
        assert list(collection.aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}])) == [
            {"_id": None, "n": 50_001}]
        assert next(collection.aggregate([{"$sort": {"_id": -1}}, {"$limit": 1}])) == {
            "_id": 50_000}
    finally:
        client.drop_database("materialization_tests")
        client.close()
