"""The embedded engine's shims work, and each is reported obsolete once mongoeco has the feature.

See docs/engine-deviations.md: a shim exists only while mongoeco lacks what MongoDB does.
"""

import datetime
import time

import pymongo
from bson import Decimal128, Int64
import pytest

from djongo_core.embedded import shims
from djongo_core.embedded import embedded_server_uri


@pytest.mark.parametrize("shim", shims.SHIMS, ids=lambda shim: shim.operator)
def test_shim_is_still_needed(shim):
    assert shims.still_needed(shim), (
        f"mongoeco now handles {shim.operator} itself: delete its shim from "
        "djongo_core/embedded/shims/ and its entry from docs/engine-deviations.md."
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


def trunc(database, **spec):
    spec.setdefault("date", "$at")
    result = database.values.aggregate([
        {"$match": {"_id": 1}},
        {"$project": {"_id": 0, "x": {"$dateTrunc": spec}}},
    ])
    return next(result)["x"]


@pytest.fixture(scope="module")
def dated(database):
    # Sunday 14 March 2021, 15:09 UTC: 10:09 in Chicago, on the day DST began there.
    database.values.update_one({"_id": 1}, {"$set": {"at": datetime.datetime(2021, 3, 14, 15, 9)}})
    return database


@pytest.mark.parametrize(("spec", "expected"), [
    ({"unit": "day", "timezone": "America/Chicago"}, datetime.datetime(2021, 3, 14, 6)),
    ({"unit": "day"}, datetime.datetime(2021, 3, 14)),
    ({"unit": "hour", "timezone": "+05:30"}, datetime.datetime(2021, 3, 14, 14, 30)),
    ({"unit": "month", "timezone": "Europe/Paris"}, datetime.datetime(2021, 2, 28, 23)),
    ({"unit": "quarter"}, datetime.datetime(2021, 1, 1)),
    ({"unit": "week", "startOfWeek": "monday"}, datetime.datetime(2021, 3, 8)),
    ({"unit": "week"}, datetime.datetime(2021, 3, 14)),
    ({"unit": "week", "startOfWeek": "mon", "timezone": "America/Chicago"},
     datetime.datetime(2021, 3, 8, 6)),
])
def test_date_trunc_honours_timezone_and_start_of_week(dated, spec, expected):
    assert trunc(dated, **spec) == expected


def test_date_trunc_of_null_is_null(database):
    assert trunc(database, date=None, unit="day", timezone="Europe/Paris") is None


@pytest.fixture(scope="module")
def numbers(database):
    database.numbers.drop()
    database.numbers.insert_one({"_id": 1, "d": Decimal128("2.25"), "f": 2.25, "i": -7,
                                 "n": None})
    return database.numbers


def evaluate(collection, expression):
    return next(collection.aggregate([{"$project": {"_id": 0, "x": expression}}])).get("x")


@pytest.mark.parametrize(("expression", "expected"), [
    ({"$sqrt": "$d"}, Decimal128("1.5")),
    ({"$ceil": "$d"}, Decimal128("3")),
    ({"$floor": "$f"}, 2.0),
    ({"$abs": "$i"}, 7),
    ({"$pow": ["$d", 2]}, Decimal128("5.0625")),
    ({"$pow": ["$i", 2]}, 49),
    ({"$round": ["$d", 1]}, Decimal128("2.2")),  # half to even
    ({"$round": ["$i", -1]}, -10),
    ({"$trunc": ["$f", 1]}, 2.2),
    ({"$ln": "$n"}, None),
    ({"$exp": "$missing"}, None),
    ({"$log": [100, 10]}, 2.0),
    ({"$sin": 0}, 0.0),
    ({"$atan2": [1, 1]}, 0.7853981633974483),
    ({"$radiansToDegrees": 3.141592653589793}, 180.0),
])
def test_math_operators_follow_mongodb_including_decimal128(numbers, expression, expected):
    assert evaluate(numbers, expression) == expected


def test_math_operator_outside_its_domain_is_an_error(numbers):
    with pytest.raises(pymongo.errors.OperationFailure, match="greater than or equal to 0"):
        evaluate(numbers, {"$sqrt": "$i"})


@pytest.fixture
def embedded_client():
    client = pymongo.MongoClient(embedded_server_uri("embedded:"))
    yield client
    client.close()


def test_rename_shim_is_still_needed(embedded_client):
    assert shims.rename_still_needed(embedded_client), (
        "mongoeco now runs renameCollection on the admin database itself: delete "
        "djongo_core/embedded/shims/rename.py and its entry in docs/engine-deviations.md."
    )


def test_rename_collection_keeps_documents_and_indexes(embedded_client):
    database = embedded_client.shim_rename
    database.drop_collection("old")
    database.drop_collection("new")
    database.old.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    database.old.create_index("a", name="a_idx", unique=True)
    database.old.rename("new")
    assert "old" not in database.list_collection_names()
    assert [d["_id"] for d in database.new.find(sort=[("_id", 1)])] == [1, 2]
    assert database.new.index_information()["a_idx"]["unique"] is True
    embedded_client.drop_database("shim_rename")


def test_rename_collection_to_another_database_is_still_refused(embedded_client):
    # MongoDB can move a collection across databases; the shim only routes same-database
    # renames, so the engine's own refusal stays visible for the other case.
    embedded_client.shim_a.source.insert_one({"_id": 1})
    with pytest.raises(pymongo.errors.OperationFailure):
        embedded_client.admin.command({"renameCollection": "shim_a.source", "to": "shim_b.dest"})
    embedded_client.drop_database("shim_a")


def test_documents_shim_is_still_needed(embedded_client):
    assert shims.documents_still_needed(embedded_client), (
        "mongoeco now runs database-level $documents aggregates itself: delete "
        "djongo_core/embedded/shims/documents_stage.py and its entry in "
        "docs/engine-deviations.md."
    )


def test_database_level_documents_pipeline(embedded_client):
    database = embedded_client.shim_documents
    result = database.aggregate([{"$documents": [{"x": 1}, {"x": 5}]},
                                 {"$match": {"x": {"$gt": 2}}}, {"$project": {"_id": 0}}])
    assert list(result) == [{"x": 5}]
    assert shims.documents_stage.STAND_IN_COLLECTION not in (
        database.list_collection_names())


def test_database_level_aggregate_without_documents_is_still_refused(embedded_client):
    # Only $documents pipelines are routed; MongoDB refuses other aggregate: 1 stages as well.
    with pytest.raises(pymongo.errors.OperationFailure):
        list(embedded_client.shim_documents.aggregate([{"$match": {}}]))


def evaluate_on(database, expression, document=None):
    """Return expression evaluated on one document (MongoDB's answer, shim or not)."""
    database.scratch.drop()
    database.scratch.insert_one({"_id": 1, **(document or {})})
    result = database.scratch.aggregate([{"$project": {"_id": 0, "x": expression}}])
    return next(result)["x"]


@pytest.mark.parametrize(("expression", "expected"), [
    ({"$toDouble": Decimal128("2.25")}, 2.25),
    ({"$toInt": Decimal128("-2.75")}, -2),  # truncates toward zero
    ({"$toLong": Decimal128("9000000000.9")}, 9000000000),
    ({"$toBool": Decimal128("0")}, False),
    ({"$toBool": Decimal128("0.1")}, True),
    ({"$toBool": ""}, True),  # every string is true
    ({"$toInt": "42"}, 42),
    ({"$toDouble": "1e3"}, 1000.0),
    ({"$toLong": datetime.datetime(1970, 1, 1, 0, 0, 1)}, 1000),
    ({"$toDouble": None}, None),
    ({"$toInt": "$missing"}, None),
    ({"$toDouble": {"$toDecimal": 3}}, 3.0),
])
def test_conversions_follow_mongodb_rules(database, expression, expected):
    result = evaluate_on(database, expression)
    assert result == expected and isinstance(result, type(expected))


@pytest.mark.parametrize("expression", [
    {"$toInt": "1.5"},  # only integer text converts to an integer
    {"$toInt": 2**31},  # out of int32's range
    {"$toInt": Decimal128("NaN")},
    {"$toDouble": "abc"},
])
def test_conversions_refuse_what_mongodb_refuses(database, expression):
    with pytest.raises(pymongo.errors.OperationFailure):
        evaluate_on(database, expression)


def test_conversions_read_stored_longs(database):
    assert evaluate_on(database, {"$toDouble": "$big"}, {"big": 2**40}) == float(2**40)


@pytest.mark.parametrize(("expression", "expected"), [
    ({"$subtract": ["$at", 1.6]}, datetime.datetime(2021, 3, 14, 11, 59, 59, 998000)),
    ({"$subtract": ["$at", 1000]}, datetime.datetime(2021, 3, 14, 11, 59, 59)),
    ({"$subtract": ["$at", datetime.datetime(2021, 3, 14)]}, 12 * 3600 * 1000),
    ({"$subtract": [5, 1.5]}, 3.5),
    ({"$subtract": [5, 2]}, 3),
    ({"$subtract": [5, Decimal128("1.5")]}, Decimal128("3.5")),
    ({"$subtract": ["$at", None]}, None),
    ({"$subtract": ["$missing", 1]}, None),
])
def test_subtract_follows_mongodb_rules(database, expression, expected):
    at = datetime.datetime(2021, 3, 14, 12)
    assert evaluate_on(database, expression, {"at": at}) == expected


def test_subtract_refuses_a_date_from_a_number(database):
    with pytest.raises(pymongo.errors.OperationFailure):
        evaluate_on(database, {"$subtract": [5, "$at"]}, {"at": datetime.datetime(2021, 3, 14)})


def test_math_operators_take_computed_decimals(database):
    # $toDecimal's result feeds $round (Cast to a DecimalField rounds to its places).
    assert evaluate_on(database, {"$round": [{"$toDecimal": 3.467}, 1]}) == Decimal128("3.5")


@pytest.mark.parametrize(("expression", "expected"), [
    ({"$bitAnd": [6, 3]}, 2),
    ({"$bitOr": ["$n", 1]}, 7),
    ({"$bitXor": ["$n", 3, 1]}, 4),
    ({"$bitNot": "$n"}, -7),
    ({"$bitAnd": ["$n", None]}, None),
    ({"$bitOr": ["$missing", 1]}, None),
    ({"$bitNot": [None]}, None),
])
def test_bitwise_operators_follow_mongodb_rules(database, expression, expected):
    assert evaluate_on(database, expression, {"n": 6}) == expected


def test_bitwise_operators_refuse_doubles(database):
    with pytest.raises(pymongo.errors.OperationFailure):
        evaluate_on(database, {"$bitAnd": [6, 1.5]})


def test_index_signature_shim_is_still_needed(embedded_client):
    assert shims.index_signature_still_needed(embedded_client), (
        "mongoeco now keeps indexes of different signatures on the same keys itself: delete "
        "djongo_core/embedded/shims/index_signature.py and its entry in "
        "docs/engine-deviations.md."
    )


@pytest.fixture(params=["memory", "directory"])
def any_engine_client(request, tmp_path):
    # Both of mongoeco's engines: "embedded:" serves the in-memory one, a directory the SQLite one.
    host = "embedded:" if request.param == "memory" else f"embedded://{tmp_path}"
    client = pymongo.MongoClient(embedded_server_uri(host))
    yield client.shim_signatures.ranks
    client.drop_database("shim_signatures")
    client.close()


def test_indexes_of_different_signatures_share_keys_and_each_is_enforced(any_engine_client):
    ranks = any_engine_client
    ranks.create_index("rank", name="rank_not_null", unique=True,
                       partialFilterExpression={"rank": {"$type": "number"}})
    ranks.create_index("rank", name="rank_positive", unique=True,
                       partialFilterExpression={"rank": {"$gt": 0}})
    ranks.create_index("rank", name="rank_plain")
    assert {index["name"] for index in ranks.list_indexes()} == {
        "_id_", "rank_not_null", "rank_positive", "rank_plain"}
    ranks.insert_many([{"rank": None}, {"rank": None}, {"rank": 1}])
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        ranks.insert_one({"rank": 1})
    ranks.drop_index("rank_not_null")
    ranks.insert_one({"rank": -1})
    ranks.insert_one({"rank": -1})  # only rank_positive is left, and it ignores -1
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        ranks.insert_one({"rank": 1})


def test_same_signature_with_other_options_is_still_refused(any_engine_client):
    # MongoDB refuses an index that differs from one on the same keys only in options outside
    # the signature (here expireAfterSeconds); the shim leaves that refusal to the engine.
    ranks = any_engine_client
    ranks.create_index("rank", name="rank_plain")
    with pytest.raises(pymongo.errors.OperationFailure, match="Conflicting index"):
        ranks.create_index("rank", name="rank_ttl", expireAfterSeconds=60)


def test_a_failed_build_keeps_the_other_indexes(any_engine_client):
    ranks = any_engine_client
    ranks.create_index("rank", name="rank_plain")
    ranks.insert_many([{"rank": 2}, {"rank": 2}])
    with pytest.raises(pymongo.errors.OperationFailure):
        ranks.create_index("rank", name="rank_unique", unique=True)
    assert {index["name"] for index in ranks.list_indexes()} == {"_id_", "rank_plain"}


def test_collmod_shim_is_still_needed(embedded_client):
    assert shims.collmod_still_needed(embedded_client), (
        "mongoeco now runs collMod itself: delete djongo_core/embedded/shims/collmod.py and "
        "collection_catalog.py, and their entry in docs/engine-deviations.md."
    )


@pytest.fixture(scope="module", params=["memory", "directory"])
def engine_database(request, tmp_path_factory):
    """A database on each of mongoeco's engines, one server each for this module's tests."""
    directory = tmp_path_factory.mktemp("collmod")
    host = "embedded:" if request.param == "memory" else f"embedded://{directory}"
    client = pymongo.MongoClient(embedded_server_uri(host))
    yield client.shim_collmod
    client.drop_database("shim_collmod")
    client.close()


@pytest.fixture
def priced(engine_database):
    """A collection with a validator and one document."""
    engine_database.drop_collection("items")
    engine_database.create_collection("items", validator={"price": {"$gt": 0}})
    engine_database.items.insert_one({"_id": 1, "price": 5})
    return engine_database.items


def coll_mod(collection, **options):
    return collection.database.command({"collMod": collection.name, **options})


def test_collmod_validator_holds_for_the_writes_that_follow(priced):
    assert coll_mod(priced, validator={"price": {"$gt": 10}}) == {"ok": 1.0}
    assert priced.options() == {"validator": {"price": {"$gt": 10}}}
    with pytest.raises(pymongo.errors.WriteError) as refused:
        priced.insert_one({"_id": 2, "price": 5})
    assert refused.value.code == 121
    priced.insert_one({"_id": 3, "price": 50})
    # Stored documents are not checked again, as in MongoDB.
    assert [d["_id"] for d in priced.find(sort=[("_id", 1)])] == [1, 3]


def test_collmod_validation_level_and_action_keep_the_validator(priced):
    assert coll_mod(priced, validationLevel="moderate", validationAction="warn") == {"ok": 1.0}
    assert priced.options() == {"validator": {"price": {"$gt": 0}},
                                "validationLevel": "moderate", "validationAction": "warn"}
    priced.insert_one({"_id": 2, "price": -1})  # warn: logged by MongoDB, let through


def test_collmod_empty_validator_removes_it(priced):
    assert coll_mod(priced, validator={}) == {"ok": 1.0}
    assert "validator" not in priced.options()
    priced.insert_one({"_id": 2, "price": -1})


def test_collmod_without_options_changes_nothing(priced):
    assert coll_mod(priced, comment="touch") == {"ok": 1.0}
    assert priced.options() == {"validator": {"price": {"$gt": 0}}}


@pytest.mark.parametrize(("options", "code"), [
    ({"collMod": "missing", "validator": {}}, 26),  # NamespaceNotFound
    ({"collMod": "items", "validator": {"price": 1}, "bogus": 1}, 40415),  # IDLUnknownField
    ({"collMod": "items", "validator": "price > 0"}, 14),  # TypeMismatch
    ({"collMod": "items", "validationLevel": "lenient"}, 2),  # BadValue
    ({"collMod": "items", "validationAction": 1}, 14),
    ({"collMod": "items", "validator": {"$bogus": 1}}, 2),
    ({"collMod": "items", "index": {"name": "price_1"}}, 72),  # InvalidOptions
    ({"collMod": "items", "index": {"name": "price_1", "keyPattern": {"price": 1},
                                    "hidden": True}}, 72),
    ({"collMod": "items", "index": {"hidden": True}}, 72),
    ({"collMod": "items", "index": {"name": "price_1", "expireAfterSeconds": -1}}, 72),
    ({"collMod": "items", "index": {"name": "price_name", "expireAfterSeconds": 60}}, 72),
    ({"collMod": "items", "index": {"name": "_id_", "expireAfterSeconds": 60}}, 72),
    ({"collMod": "items", "index": {"name": "_id_", "hidden": True}}, 2),
    ({"collMod": "items", "index": {"name": "nope", "hidden": True}}, 27),  # IndexNotFound
    ({"collMod": "items", "index": {"keyPattern": {"nope": 1}, "hidden": True}}, 27),
    ({"collMod": "items", "index": {"name": "price_1", "hidden": True, "bogus": 1}}, 40415),
    # A capped bound on a collection that is not capped (answered by the capped shim).
    ({"collMod": "items", "cappedSize": 4096}, 72),
    # MongoDB options the shim does not implement: NotImplemented, naming the option.
    ({"collMod": "items", "index": {"name": "price_1", "prepareUnique": True}}, 238),
])
def test_collmod_refuses_what_mongodb_refuses_and_changes_nothing(priced, options, code):
    priced.create_index("price", name="price_1")
    priced.create_index([("price", 1), ("name", 1)], name="price_name")
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        priced.database.command(options)
    assert refused.value.code == code
    assert priced.options() == {"validator": {"price": {"$gt": 0}}}
    assert not any(i.get("hidden") or "expireAfterSeconds" in i for i in priced.list_indexes())


def test_collmod_hides_and_shows_an_index(priced):
    priced.create_index("price", name="price_1")
    assert coll_mod(priced, index={"name": "price_1", "hidden": True}) == {
        "hidden_old": False, "hidden_new": True, "ok": 1.0}
    assert priced.index_information()["price_1"]["hidden"] is True
    with pytest.raises(pymongo.errors.OperationFailure, match="hint"):
        list(priced.find().hint("price_1"))
    # Hiding a hidden index is a no-op MongoDB does not report.
    assert coll_mod(priced, index={"name": "price_1", "hidden": True}) == {"ok": 1.0}
    assert coll_mod(priced, index={"keyPattern": {"price": 1}, "hidden": False}) == {
        "hidden_old": True, "hidden_new": False, "ok": 1.0}
    assert [d["_id"] for d in priced.find().hint("price_1")] == [1]


def test_collmod_makes_an_index_ttl_and_changes_its_expiry(priced):
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    priced.create_index("at", name="at_1")
    priced.insert_many([{"_id": 2, "price": 1, "at": now - datetime.timedelta(hours=2)},
                        {"_id": 3, "price": 1, "at": now - datetime.timedelta(minutes=10)}])
    assert coll_mod(priced, index={"name": "at_1", "expireAfterSeconds": 3600}) == {
        "expireAfterSeconds_new": 3600, "ok": 1.0}
    assert priced.index_information()["at_1"]["expireAfterSeconds"] == 3600
    # The embedded engine removes expired documents as soon as it reads the collection;
    # MongoDB's TTL monitor runs every minute.
    assert sorted(d["_id"] for d in priced.find()) == [1, 3]
    assert coll_mod(priced, index={"name": "at_1", "expireAfterSeconds": 60}) == {
        "expireAfterSeconds_old": 3600, "expireAfterSeconds_new": 60, "ok": 1.0}
    assert [d["_id"] for d in priced.find()] == [1]


def test_collmod_is_refused_inside_a_transaction(priced):
    with priced.database.client.start_session() as session:
        with session.start_transaction():
            with pytest.raises(pymongo.errors.OperationFailure) as refused:
                priced.database.command({"collMod": "items", "validator": {}}, session=session)
    assert refused.value.code == 263  # OperationNotSupportedInTransaction


# -- capped collections, tailable cursors, $natural descending, $out (shims/capped.py) ---------


def test_capped_shim_is_still_needed(embedded_client):
    assert shims.capped_still_needed(embedded_client), (
        "mongoeco now bounds capped collections, runs convertToCapped, sorts on $natural "
        "descending and runs $out itself: delete that part of djongo_core/embedded/shims/"
        "capped.py and its entries in docs/engine-deviations.md."
    )


def test_tailable_shim_is_still_needed(embedded_client):
    assert shims.tailable_still_needed(embedded_client), (
        "mongoeco now keeps tailable cursors open: delete that part of djongo_core/embedded/"
        "shims/capped.py and the tailable-cursors entry in docs/engine-deviations.md."
    )


def test_pymongos_capped_creation_is_accepted_with_the_size_rounded(engine_database):
    engine_database.drop_collection("cap")
    engine_database.create_collection("cap", capped=True, size=5000, max=3)
    assert engine_database.cap.options() == {"capped": True, "size": 5120, "max": 3}


def test_a_capped_collection_keeps_its_newest_documents_within_max(engine_database):
    engine_database.drop_collection("cap")
    engine_database.create_collection("cap", capped=True, size=4096, max=5)
    for number in range(8):
        engine_database.cap.insert_one({"_id": number})
    assert [d["_id"] for d in engine_database.cap.find()] == [3, 4, 5, 6, 7]


def test_a_capped_collection_keeps_its_newest_documents_within_size(engine_database):
    engine_database.drop_collection("cap")
    engine_database.create_collection("cap", capped=True, size=4096)
    # Documents of 1,021 BSON bytes: four fit in 4096.
    engine_database.cap.insert_many([{"_id": n, "pad": "x" * 1000} for n in range(6)])
    assert [d["_id"] for d in engine_database.cap.find({}, {"_id": 1})] == [2, 3, 4, 5]


def test_convert_to_capped_keeps_the_newest_documents_and_the_id_index_only(engine_database):
    engine_database.drop_collection("plain")
    engine_database.plain.insert_many([{"_id": n, "pad": "x" * 1000} for n in range(10)])
    engine_database.plain.create_index("pad", name="pad_1")
    assert engine_database.command({"convertToCapped": "plain", "size": 4096})["ok"] == 1
    assert engine_database.plain.options() == {"capped": True, "size": 4096}
    assert [d["_id"] for d in engine_database.plain.find({}, {"_id": 1})] == [6, 7, 8, 9]
    assert list(engine_database.plain.index_information()) == ["_id_"]
    with pytest.raises(pymongo.errors.OperationFailure) as missing:
        engine_database.command({"convertToCapped": "nowhere", "size": 4096})
    assert missing.value.code == 26


def test_collmod_changes_the_bounds_of_a_capped_collection(engine_database):
    engine_database.drop_collection("cap")
    engine_database.create_collection("cap", capped=True, size=4096)
    engine_database.cap.insert_many([{"_id": n} for n in range(6)])
    engine_database.command({"collMod": "cap", "cappedMax": 2, "cappedSize": 8192})
    assert engine_database.cap.options() == {"capped": True, "size": 8192, "max": 2}
    assert [d["_id"] for d in engine_database.cap.find()] == [4, 5]


def test_natural_sort_descending_is_newest_first(engine_database):
    engine_database.drop_collection("t")
    engine_database.t.insert_many([{"_id": 5}, {"_id": 1}, {"_id": 3}])
    # Natural order is insertion order in memory and _id order on the SQLite engine.
    natural = [d["_id"] for d in engine_database.t.find()]
    assert natural in ([5, 1, 3], [1, 3, 5])
    assert [d["_id"] for d in engine_database.t.find().sort("$natural", -1)] == natural[::-1]
    assert [d["_id"] for d in engine_database.t.find().sort("$natural", -1).limit(1)] == [
        natural[-1]]


def test_out_replaces_the_target_collection(engine_database):
    engine_database.drop_collection("copy")
    engine_database.drop_collection("t")
    engine_database.t.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 2}])
    engine_database.copy.insert_one({"_id": 9})
    list(engine_database.t.aggregate([{"$match": {"a": 2}}, {"$out": "copy"}]))
    assert list(engine_database.copy.find()) == [{"_id": 2, "a": 2}]
    engine_database.drop_collection("cap")
    engine_database.create_collection("cap", capped=True, size=4096)
    with pytest.raises(pymongo.errors.OperationFailure, match="capped"):
        list(engine_database.t.aggregate([{"$out": "cap"}]))


def test_a_tailable_cursor_waits_for_and_returns_later_inserts(engine_database):
    engine_database.drop_collection("log")
    engine_database.create_collection("log", capped=True, size=4096)
    engine_database.log.insert_one({"_id": 1})
    cursor = engine_database.log.find({}, cursor_type=pymongo.CursorType.TAILABLE_AWAIT)
    cursor.max_await_time_ms(300)
    assert [d["_id"] for d in cursor] == [1]  # ends at the first empty getMore, still alive
    assert cursor.alive
    started = time.monotonic()
    assert next(cursor, None) is None
    assert 0.25 <= time.monotonic() - started < 3
    engine_database.log.insert_one({"_id": 2})
    assert next(cursor)["_id"] == 2
    cursor.close()


def test_a_tailable_cursor_whose_position_rolled_out_is_lost(engine_database):
    engine_database.drop_collection("log")
    engine_database.create_collection("log", capped=True, size=4096, max=2)
    engine_database.log.insert_one({"_id": 1})
    cursor = engine_database.log.find({}, cursor_type=pymongo.CursorType.TAILABLE_AWAIT)
    cursor.max_await_time_ms(100)
    assert next(cursor)["_id"] == 1
    engine_database.log.insert_many([{"_id": 2}, {"_id": 3}])
    # The getMore fails with CappedPositionLost, which pymongo turns into a dead tailable
    # cursor rather than an exception.
    assert next(cursor, None) is None
    assert not cursor.alive


def test_tailable_is_refused_on_a_collection_that_is_not_capped(engine_database):
    engine_database.drop_collection("t")
    engine_database.t.insert_one({"_id": 1})
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        list(engine_database.t.find({}, cursor_type=pymongo.CursorType.TAILABLE))
    assert refused.value.code == 2


# -- $text as MongoDB answers it (shims/text_search.py) --------------------------------------


def test_text_search_shim_is_still_needed(embedded_client):
    projection, order, pipelines = shims.text_search_still_needed(embedded_client)
    assert projection or order or pipelines, (
        "mongoeco now projects, sorts and pipelines $text itself: delete "
        "djongo_core/embedded/shims/text_search.py and its entries in docs/engine-deviations.md."
    )
    assert (projection, order, pipelines) == (True, True, True), (
        "mongoeco now handles part of $text itself (projection, score order, pipelines: "
        f"{not projection}, {not order}, {not pipelines}): remove that part of "
        "djongo_core/embedded/shims/text_search.py and its entry in docs/engine-deviations.md."
    )


SEARCH = {"$text": {"$search": "coffee"}}
SCORE = {"$meta": "textScore"}


@pytest.fixture(params=["memory", "directory"])
def articles(request, tmp_path):
    # Inserted in an order that is not the score order (3 scores highest, then 1, then 4).
    host = "embedded:" if request.param == "memory" else f"embedded://{tmp_path}"
    client = pymongo.MongoClient(embedded_server_uri(host))
    collection = client.shim_text.articles
    collection.drop()
    collection.create_index([("title", "text"), ("body", "text")], weights={"title": 3})
    collection.insert_many([
        {"_id": 1, "title": "coffee", "body": "tea", "views": 10},
        {"_id": 2, "title": "water", "body": "nothing", "views": 20},
        {"_id": 3, "title": "coffee", "body": "coffee and coffee", "views": 30},
        {"_id": 4, "title": "tea", "body": "a coffee", "views": 40},
    ])
    yield collection
    client.drop_database("shim_text")
    client.close()


def test_text_search_returns_whole_documents_and_projects_like_any_find(articles):
    assert sorted(d["_id"] for d in articles.find(SEARCH)) == [1, 3, 4]
    assert {d["_id"]: d["views"] for d in articles.find(SEARCH)} == {1: 10, 3: 30, 4: 40}
    assert sorted(articles.find(SEARCH, {"views": 1}), key=lambda d: d["_id"]) == [
        {"_id": 1, "views": 10}, {"_id": 3, "views": 30}, {"_id": 4, "views": 40}]
    assert sorted(articles.find(SEARCH, {"_id": 0, "body": 0}), key=lambda d: d["views"]) == [
        {"title": "coffee", "views": 10}, {"title": "coffee", "views": 30},
        {"title": "tea", "views": 40}]


def test_text_score_sorts_best_first_and_projects(articles):
    found = list(articles.find(SEARCH, {"views": 1, "s": SCORE}).sort([("s", SCORE)]))
    assert [d["_id"] for d in found] == [3, 1, 4]
    assert [set(d) for d in found] == [{"_id", "views", "s"}] * 3
    assert found[0]["s"] > found[1]["s"] > found[2]["s"] > 0
    ranked = articles.find(SEARCH).sort([("s", SCORE)]).skip(1).limit(1)
    assert [(d["_id"], d["views"]) for d in ranked] == [(1, 10)]
    both = articles.find(SEARCH, {"_id": 1}).sort([("views", -1)])
    assert [d["_id"] for d in both] == [4, 3, 1]


def test_text_search_opens_a_pipeline_with_its_score(articles):
    pipeline = [{"$match": {**SEARCH, "views": {"$gt": 10}}},
                {"$project": {"title": 1, "score": SCORE}},
                {"$sort": {"score": SCORE}}]
    found = list(articles.aggregate(pipeline))
    assert [(d["_id"], d["title"]) for d in found] == [(3, "coffee"), (4, "tea")]
    assert found[0]["score"] > found[1]["score"]
    grouped = list(articles.aggregate([{"$match": SEARCH},
                                       {"$group": {"_id": None, "n": {"$sum": 1}}}]))
    assert grouped == [{"_id": None, "n": 3}]
    assert articles.count_documents({**SEARCH, "views": {"$lt": 35}}) == 2
    assert sorted(articles.distinct("views", SEARCH)) == [10, 30, 40]


def test_text_search_filters_writes(articles):
    assert articles.update_many(SEARCH, {"$inc": {"views": 1}}).modified_count == 3
    assert articles.find_one({"_id": 2})["views"] == 20
    assert articles.find_one_and_update(
        {"$text": {"$search": "nothing"}}, {"$set": {"views": 0}})["_id"] == 2
    assert articles.delete_many({**SEARCH, "views": {"$gt": 40}}).deleted_count == 1
    assert sorted(d["_id"] for d in articles.find()) == [1, 2, 3]


def test_text_search_matches_more_than_one_batch(articles):
    articles.insert_many([{"_id": 100 + n, "body": "coffee"} for n in range(250)])
    assert len(list(articles.find(SEARCH, {"_id": 1}))) == 253
    assert articles.count_documents(SEARCH) == 253


def test_range_windows_over_decimals_follow_mongodb(database):
    database.prices.drop()
    database.prices.insert_many([{"_id": i, "p": Decimal128(p)}
                                 for i, p in enumerate(["1.5", "2", "2.25", "4"])])
    rows = database.prices.aggregate([{"$setWindowFields": {"sortBy": {"p": 1}, "output": {
        "n": {"$sum": 1, "window": {"range": [Decimal128("-0.5"), 0.25]}},
        "rest": {"$sum": 1, "window": {"range": [0, "unbounded"]}}}}}])
    assert [(row["_id"], row["n"], row["rest"]) for row in rows] == [
        (0, 1, 4), (1, 3, 3), (2, 2, 2), (3, 1, 1)]


def test_range_windows_shim_is_still_needed(embedded_client):
    assert shims.range_windows_still_needed(embedded_client), (
        "mongoeco now computes range windows over Decimal128 itself: delete "
        "djongo_core/embedded/shims/range_windows.py and its entry in "
        "docs/engine-deviations.md."
    )


def test_range_windows_with_long_bounds_follow_mongodb(database):
    # Microseconds: an hour is 3.6e9, beyond a 32-bit int, so the bounds are longs.
    hour = 3_600_000_000
    database.spans.drop()
    database.spans.insert_many([{"_id": i, "us": us}
                                for i, us in enumerate([0, hour, hour + 1, 3 * hour])])
    rows = database.spans.aggregate([{"$setWindowFields": {"sortBy": {"us": 1}, "output": {
        "n": {"$sum": 1, "window": {"range": [Int64(-hour), 0]}},
        "ahead": {"$sum": 1, "window": {"range": [0, Int64(2 * hour)]}}}}}])
    assert [(row["_id"], row["n"], row["ahead"]) for row in rows] == [
        (0, 1, 3), (1, 2, 3), (2, 2, 2), (3, 1, 1)]


def test_long_range_bounds_shim_is_still_needed(embedded_client):
    assert shims.long_range_bounds_still_needed(embedded_client), (
        "mongoeco now takes long range window bounds itself: remove the BsonInt64 case of "
        "djongo_core/embedded/shims/range_windows.py and the entry range-window-long-bounds "
        "in docs/engine-deviations.md."
    )


def test_standard_deviations_over_decimals_follow_mongodb(database):
    database.prices.drop()
    database.prices.insert_many([{"_id": i, "p": p} for i, p in enumerate(
        [Decimal128("1.5"), Decimal128("2.5"), 3, None, "text"])])
    (row,) = database.prices.aggregate([{"$group": {
        "_id": None, "pop": {"$stdDevPop": "$p"}, "samp": {"$stdDevSamp": "$p"}}}])
    # Numbers only (null and a string are skipped), read as doubles: 1.5, 2.5, 3.
    assert row["pop"] == pytest.approx(0.6236095644623235)
    assert row["samp"] == pytest.approx(0.7637626158259734)


def test_collecting_accumulators_skip_missing_values_as_mongodb(database):
    database.collected.drop()
    database.collected.insert_many([{"_id": 1, "g": 1}, {"_id": 2, "g": 1, "v": None},
                                    {"_id": 3, "g": 1, "v": 5}, {"_id": 4, "g": 1, "v": 5}])
    kept = {"$cond": [{"$ne": ["$v", None]}, "$v", "$$REMOVE"]}
    (row,) = database.collected.aggregate([
        {"$sort": {"_id": 1}},
        {"$group": {"_id": "$g", "pushed": {"$push": "$v"}, "set": {"$addToSet": kept},
                    "kept": {"$push": kept}, "n": {"$sum": 1}}}])
    # A missing field and $$REMOVE add nothing; a stored null is a value.
    assert row["pushed"] == [None, 5, 5]
    assert row["set"] == [5] and row["kept"] == [5, 5] and row["n"] == 4
    # $addToSet alone (mongoeco's compiled $group takes that shape) skips them as well.
    (row,) = database.collected.aggregate([{"$group": {"_id": "$g", "set": {"$addToSet": kept}}}])
    assert row["set"] == [5]


def test_write_conflicts_shim_is_still_needed(embedded_client):
    assert shims.write_conflicts_still_needed(embedded_client), (
        "mongoeco now fails a transaction's write to a document another open transaction "
        "wrote: delete djongo_core/embedded/shims/write_conflicts.py and its entry in "
        "docs/engine-deviations.md."
    )


@pytest.fixture
def two_transactions(embedded_client):
    collection = embedded_client.shim_write_conflicts.one
    collection.drop()
    collection.insert_many([{"_id": 1, "n": 0}, {"_id": 2, "n": 0}])
    first, second = embedded_client.start_session(), embedded_client.start_session()
    first.start_transaction()
    second.start_transaction()
    yield collection, first, second
    for session in (first, second):
        if session.in_transaction:
            session.abort_transaction()
        session.end_session()


def test_a_document_written_by_an_open_transaction_conflicts(two_transactions):
    collection, first, second = two_transactions
    collection.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=first)
    with pytest.raises(pymongo.errors.OperationFailure) as raised:
        collection.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=second)
    assert raised.value.code == 112
    assert raised.value.has_error_label("TransientTransactionError")
    # Another document is free, and the holder commits.
    collection.update_one({"_id": 2}, {"$inc": {"n": 1}}, session=second)
    second.abort_transaction()
    first.commit_transaction()
    assert collection.find_one({"_id": 1})["n"] == 1


def test_a_document_committed_after_the_snapshot_conflicts(two_transactions, embedded_client):
    collection, first, second = two_transactions
    collection.find_one({"_id": 2}, session=second)  # the second transaction's snapshot
    collection.delete_one({"_id": 1}, session=first)
    first.commit_transaction()
    with pytest.raises(pymongo.errors.OperationFailure) as raised:
        collection.find_one_and_update({"_id": 1}, {"$set": {"n": 5}}, session=second)
    assert raised.value.code == 112
    # A transaction begun after that commit writes it.
    with embedded_client.start_session() as third:
        third.start_transaction()
        collection.update_one({"_id": 2}, {"$set": {"n": 7}}, session=third)
        third.commit_transaction()
    assert collection.find_one({"_id": 2})["n"] == 7
# -- change streams (shims/change_streams.py; behaviour in test_embedded_change_streams.py) -----


def test_change_streams_shim_is_still_needed(embedded_client):
    assert shims.change_streams_still_needed(embedded_client), (
        "mongoeco now answers $changeStream over the wire with MongoDB's events itself: delete "
        "djongo_core/embedded/shims/change_streams.py, change_events.py and change_history.py, "
        "and the change-streams-missing entry in docs/engine-deviations.md."
    )
# -- MongoDB Search: index commands, searchScore, exact vector search, $unionWith (shims/search.py)


def test_search_shim_is_still_needed(embedded_client):
    needed = shims.search_still_needed(embedded_client)
    assert all(needed.values()), (
        f"mongoeco now handles {[part for part, still in needed.items() if not still]} of "
        "MongoDB Search itself: delete that part of djongo_core/embedded/shims/search.py and "
        "its entry in docs/engine-deviations.md."
    )


@pytest.fixture(scope="module", params=["memory", "directory"])
def searchable(request, tmp_path_factory):
    """A collection of words and vectors with a search and a vector index, on each engine."""
    directory = tmp_path_factory.mktemp("search")
    host = "embedded:" if request.param == "memory" else f"embedded://{directory}"
    client = pymongo.MongoClient(embedded_server_uri(host))
    database = client.shim_search
    database.drop_collection("notes")
    database.notes.insert_many([
        {"_id": 1, "text": "tea tea tea", "kind": "a", "v": [1.0, 0.0]},
        {"_id": 2, "text": "tea and cake", "kind": "b", "v": [0.0, 1.0]},
        {"_id": 3, "text": "cake only", "kind": "a", "v": [-1.0, 0.0]},
    ])
    reply = database.command({"createSearchIndexes": "notes", "indexes": [
        {"name": "words", "definition": {"mappings": {"dynamic": False, "fields": {
            "text": [{"type": "string"}, {"type": "autocomplete", "minGrams": 2}]}}}},
        {"name": "vectors", "type": "vectorSearch", "definition": {"fields": [
            {"type": "vector", "path": "v", "numDimensions": 2, "similarity": "cosine"},
            {"type": "filter", "path": "kind"}]}}]})
    assert [index["name"] for index in reply["indexesCreated"]] == ["words", "vectors"]
    yield database
    client.drop_database("shim_search")
    client.close()


def test_search_indexes_are_listed_as_sent_and_queryable(searchable):
    listed = {index["name"]: index for index in searchable.notes.list_search_indexes()}
    assert {name: (index["type"], index["status"], index["queryable"])
            for name, index in listed.items()} == {
        "words": ("search", "READY", True), "vectors": ("vectorSearch", "READY", True)}
    assert listed["vectors"]["latestDefinition"]["fields"][1] == {"type": "filter",
                                                                  "path": "kind"}
    assert [i["name"] for i in searchable.notes.list_search_indexes("words")] == ["words"]


def test_a_search_index_is_updated_and_dropped(searchable):
    searchable.command({"createSearchIndexes": "notes", "indexes": [
        {"name": "spare", "definition": {"mappings": {"dynamic": True}}}]})
    searchable.command({"updateSearchIndex": "notes", "name": "spare", "definition": {
        "mappings": {"dynamic": False, "fields": {"kind": {"type": "token"}}}}})
    (spare,) = searchable.notes.list_search_indexes("spare")
    assert spare["latestDefinition"] == {"mappings": {"dynamic": False, "fields": {
        "kind": {"type": "token"}}}}
    searchable.command({"dropSearchIndex": "notes", "name": "spare"})
    assert list(searchable.notes.list_search_indexes("spare")) == []


@pytest.mark.parametrize("command, code", [
    ({"dropSearchIndex": "notes", "name": "missing"}, 27),
    ({"updateSearchIndex": "notes", "name": "missing", "definition": {}}, 27),
    ({"createSearchIndexes": "absent", "indexes": [{"definition": {}}]}, 26),
])
def test_search_index_commands_fail_with_mongodbs_codes(searchable, command, code):
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        searchable.command(command)
    assert refused.value.code == code


def test_search_score_ranks_and_highlights_have_mongodbs_shape(searchable):
    found = list(searchable.notes.aggregate([
        {"$search": {"index": "words", "text": {"query": "tea", "path": "text"},
                     "highlight": {"path": "text"}}},
        {"$project": {"score": {"$meta": "searchScore"},
                      "marks": {"$meta": "searchHighlights"}}}]))
    assert [(d["_id"], d["score"]) for d in found] == [(1, 3.0), (2, 1.0)]
    assert found[1]["marks"] == [{"path": "text", "score": 1.0, "texts": [
        {"value": "tea", "type": "hit"}, {"value": " and cake", "type": "text"}]}]


def test_vector_scores_are_normalized_as_mongodb_does(searchable):
    found = list(searchable.notes.aggregate([
        {"$vectorSearch": {"index": "vectors", "path": "v", "queryVector": [1.0, 0.0],
                           "limit": 3, "exact": True}},
        {"$project": {"score": {"$meta": "vectorSearchScore"}}}]))
    assert [(d["_id"], d["score"]) for d in found] == [(1, 1.0), (2, 0.5), (3, 0.0)]


@pytest.mark.parametrize("similarity, raw, score", [
    ("cosine", 0.6, 0.8), ("dotProduct", -0.5, 0.25), ("euclidean", -2.0, 0.2)])
def test_the_normalization_of_each_similarity(similarity, raw, score):
    assert shims.search.normalized_vector_score(similarity, raw) == pytest.approx(score)


def test_a_search_opening_a_union_runs(searchable):
    found = list(searchable.notes.aggregate([
        {"$match": {"_id": 3}},
        {"$unionWith": {"coll": "notes", "pipeline": [
            {"$search": {"index": "words", "text": {"query": "tea", "path": "text"}}},
            {"$project": {"_id": 1}}]}}]))
    assert [d["_id"] for d in found] == [3, 1, 2]


def test_push_and_add_to_set_skip_missing_values(database):
    # MongoDB: a missing value or $$REMOVE adds nothing; a null value is added.
    database.groups.drop()
    database.groups.insert_many([{"_id": 1, "g": 1}, {"_id": 2, "g": 1, "v": 5},
                                 {"_id": 3, "g": 1, "v": None}, {"_id": 4, "g": 1, "v": 5}])
    removed = {"$cond": [{"$ne": ["$v", None]}, "$v", "$$REMOVE"]}
    (group,) = database.groups.aggregate([{"$group": {
        "_id": "$g",
        "pushed": {"$push": "$v"},
        "set": {"$addToSet": "$v"},
        "pushed_present": {"$push": removed},
        "set_present": {"$addToSet": removed},
        "count": {"$sum": 1},
    }}])
    assert group["pushed"] == [5, None, 5]
    assert sorted(group["set"], key=lambda value: value is not None) == [None, 5]
    assert group["pushed_present"] == [5, 5]
    assert group["set_present"] == [5]
    assert group["count"] == 4


def test_group_missing_shim_is_still_needed(embedded_client):
    assert shims.group_missing_still_needed(embedded_client), (
        "mongoeco's $push and $addToSet now skip missing values themselves: delete "
        "djongo_core/embedded/shims/group_missing.py and mark its entry in "
        "docs/engine-deviations.md as no longer a deviation."
    )


def test_standard_deviations_read_decimals(database):
    database.prices.drop()
    database.prices.insert_many([{"_id": 1, "p": Decimal128("1.5")},
                                 {"_id": 2, "p": Decimal128("2.5")}, {"_id": 3, "p": None}])
    (group,) = database.prices.aggregate([{"$group": {
        "_id": None, "pop": {"$stdDevPop": "$p"}, "samp": {"$stdDevSamp": "$p"},
        "all": {"$push": "$p"}}}, {"$addFields": {"of_array": {"$stdDevPop": "$all"}}}])
    assert group["pop"] == pytest.approx(0.5)
    assert group["samp"] == pytest.approx(0.7071067811865476)
    assert group["of_array"] == pytest.approx(0.5)
    running = database.prices.aggregate([{"$setWindowFields": {"sortBy": {"_id": 1}, "output": {
        "s": {"$stdDevPop": "$p", "window": {"documents": ["unbounded", "current"]}}}}}])
    assert [row["s"] for row in running] == pytest.approx([0.0, 0.5, 0.5])


def test_stddev_decimal_shim_is_still_needed(embedded_client):
    assert shims.stddev_decimal_still_needed(embedded_client), (
        "mongoeco now computes standard deviations over Decimal128 itself: delete "
        "djongo_core/embedded/shims/stddev_decimal.py and its entry in "
        "docs/engine-deviations.md."
    )
