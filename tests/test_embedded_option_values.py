"""Validators holding 64-bit integers and decimals on the persistent embedded engine (deviation
"collection-options-bson-values", shimmed by djongo_core/embedded/shims/option_values.py).

The behaviour tests run on a persistent server and, when MONGODB_URI is set, on a real MongoDB:
such a validator is accepted by create and collMod, listed back with its types, enforced, and
still enforced after the server restarts.
"""

import bson
import pytest
from bson.decimal128 import Decimal128
from pymongo.errors import WriteError

from djongo_core.embedded import shims
from tests.engine_clients import REAL_SERVER, persistent_client, probes_the_engine

DATABASE = "option_values_tests"
LIMIT = bson.Int64(2**40)
KEY_RANGE = {"bsonType": ["int", "long"], "minimum": bson.Int64(-(2**63)),
             "maximum": bson.Int64(2**63 - 1)}


def bounded_validator():
    # The shape of the schema_validation plugin's schema for a BigAutoField key and a
    # DecimalField, with a CheckConstraint-like clause on a large integer.
    return {"$and": [
        {"$jsonSchema": {"bsonType": "object", "properties": {
            "_id": KEY_RANGE,
            "price": {"bsonType": "decimal", "minimum": Decimal128("-9999.99"),
                      "maximum": Decimal128("9999.99")},
        }}},
        {"$expr": {"$lte": ["$views", LIMIT]}},
    ]}


def listed_validator(client, name):
    (found,) = client[DATABASE].list_collections(filter={"name": name})
    return found["options"]["validator"]


def refused(collection, document):
    try:
        collection.insert_one(document)
    except WriteError as error:
        return error.code == 121
    return False


@pytest.mark.parametrize("how", ["create", "collMod"])
def test_a_validator_with_int64_and_decimal128_bounds_is_kept_and_enforced(tmp_path, how):
    with persistent_client(tmp_path) as client:
        client.drop_database(DATABASE)
        database = client[DATABASE]
        if how == "create":
            database.create_collection("bounded", validator=bounded_validator())
        else:
            database.create_collection("bounded")
            database.command({"collMod": "bounded", "validator": bounded_validator()})
        listed = listed_validator(client, "bounded")
        assert listed == bounded_validator()
        key_range = listed["$and"][0]["$jsonSchema"]["properties"]["_id"]
        assert type(key_range["maximum"]) is bson.Int64
        assert type(listed["$and"][0]["$jsonSchema"]["properties"]["price"]["minimum"]) \
            is Decimal128
        bounded = database.bounded
        bounded.insert_one({"_id": 1, "price": Decimal128("10.50"), "views": 2**40})
        assert refused(bounded, {"_id": 2, "price": Decimal128("10000.00"), "views": 1})
        assert refused(bounded, {"_id": 3, "price": Decimal128("1.00"), "views": 2**40 + 1})
        assert refused(bounded, {"_id": 4.5, "price": Decimal128("1.00"), "views": 1})
        assert bounded.count_documents({}) == 1
        client.drop_database(DATABASE)


@pytest.mark.skipif(REAL_SERVER, reason="restarts the embedded server")
def test_the_options_read_back_after_the_server_restarts(tmp_path):
    with persistent_client(tmp_path) as client:
        client.drop_database(DATABASE)
        client[DATABASE].create_collection("bounded", validator=bounded_validator())
    # persistent_client stopped that server: this one reads the options from the file.
    with persistent_client(tmp_path) as client:
        assert listed_validator(client, "bounded") == bounded_validator()
        assert refused(client[DATABASE].bounded, {"_id": 1, "price": Decimal128("1"),
                                                  "views": 2**41})


@probes_the_engine
def test_option_values_shim_is_still_needed(tmp_path):
    assert shims.option_values_still_needed(tmp_path), (
        "mongoeco's SQLite engine now stores collection options holding an Int64: delete "
        "djongo_core/embedded/shims/option_values.py, its use in collection_catalog.py and "
        "the entry in docs/engine-deviations.md.")
