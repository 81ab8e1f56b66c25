"""Fixes for embedded-engine (mongoeco) gaps that would hurt its users, and only for it.

The backend always sends the MQL MongoDB 7.0+ expects. Where mongoeco lacks something that MQL
needs, a shim teaches the embedded engine, through mongoeco's public extension API (or, where it
has none, by wrapping one of its functions), inside the embedded server only; a real MongoDB
never sees any of this. Each shim is listed in docs/engine-deviations.md, tested in
tests/test_embedded_shims.py, and reported obsolete by those tests as soon as mongoeco handles
the case itself (then delete the shim).
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import bson
import pymongo

from mongoeco import MongoClient
from mongoeco.core.bson_scalars import BsonDouble
from mongoeco.types import Decimal128
from mongoeco.core.aggregation import (
    get_registered_aggregation_expression_operator,
    register_aggregation_expression_operator,
    unregister_aggregation_expression_operator,
)

from djongo_core.embedded.shims import (
    bitwise, capped, change_dispatch, change_journal, change_streams, collmod, conversions,
    date_arithmetic, documents_stage, geo, group_missing, id_lookup, index_signature,
    insert_path, logic, math_operators, membership, option_values, range_windows, rename, search,
    stddev_decimal, text_search, timezones, unique_arrays, unique_numbers, update_selector,
    write_conflicts,
)


@dataclass(frozen=True)
class Shim:
    operator: str
    handler: object
    # An aggregation mongoeco fails on while it still needs the shim.
    probe: list


def _probe(expression):
    return [{"$project": {"x": expression}}]


SHIMS = [
    # Deviation "not-expression-missing": mongoeco 4.11 rejects the $not aggregation
    # expression, which Django needs for negated conditions in annotations and Case/When.
    Shim("$not", logic.negation, _probe({"$not": [True]})),
    # Deviation "datetrunc-timezone": mongoeco 4.11's $dateTrunc accepts no timezone but UTC,
    # which Trunc*() needs under USE_TZ with any other TIME_ZONE.
    Shim("$dateTrunc", timezones.date_trunc, _probe({"$dateTrunc": {
        "date": datetime.datetime(2021, 3, 14, 15), "unit": "day",
        "timezone": "America/Chicago"}})),
    # Deviation "math-on-decimal128": mongoeco 4.11's math operators reject Decimal128, the
    # type DecimalField values are stored as.
    *(Shim(operator, handler, _probe({operator: math_operators.probe_arguments(operator,
                                                                             Decimal128("2.25"))}))
      for operator, handler in math_operators.DECIMAL_AWARE.items()),
    # Deviation "conversions-of-decimal128": mongoeco 4.11's $toDouble, $toInt, $toLong and
    # $toBool fail on Decimal128, which Cast() of decimals needs.
    *(Shim(operator, handler, _probe({operator: Decimal128("2.25")}))
      for operator, handler in conversions.CONVERSIONS.items()),
    # Deviation "bitwise-null": mongoeco 4.11's bitwise operators fail on null, where MongoDB
    # returns null.
    *(Shim(operator, handler, _probe({operator: [None] if operator == "$bitNot" else [None, 3]}))
      for operator, handler in bitwise.BITWISE.items()),
    # Deviation "subtract-date-double": mongoeco 4.11 rejects a date minus a double number of
    # milliseconds, which date-minus-duration arithmetic sends.
    # (Over the wire mongoeco holds doubles as BsonDouble, which is what it rejects.)
    Shim("$subtract", date_arithmetic.subtract,
         _probe({"$subtract": [datetime.datetime(2021, 3, 14), BsonDouble(1.5)]})),
    # Deviation "trigonometry-missing": mongoeco 4.11 has none of the trigonometric operators.
    *(Shim(operator, handler, _probe({operator: math_operators.probe_arguments(operator, 0.5)}))
      for operator, handler in math_operators.TRIGONOMETRY.items()),
]


def still_needed(shim):
    """Return whether mongoeco itself still fails the shim's probe (the shim set aside)."""
    installed = get_registered_aggregation_expression_operator(shim.operator)
    if installed is not None:
        unregister_aggregation_expression_operator(shim.operator)
    try:
        with MongoClient() as client:
            client.probe.one.insert_one({"_id": 1})
            list(client.probe.one.aggregate(shim.probe))
        return False
    except Exception:  # noqa: BLE001 - in process, mongoeco fails with TypeError as well
        return True
    finally:
        if installed is not None:
            register_aggregation_expression_operator(shim.operator, installed)


def _refused_without(shim, probe):
    """Return whether mongoeco itself still fails probe() with the shim module set aside."""
    shim.uninstall()
    try:
        probe()
        return False
    except Exception:  # noqa: BLE001 - any refusal means the shim is still needed
        return True
    finally:
        shim.install()


def rename_still_needed(client):
    """Return whether mongoeco itself still refuses an admin-addressed renameCollection.

    client: a pymongo client of an in-process embedded server (the shim is set aside meanwhile).
    """
    def probe():
        database = client.rename_probe
        database.drop_collection("renamed")
        database.source.insert_one({"_id": 1})
        database.source.rename("renamed")

    try:
        return _refused_without(rename, probe)
    finally:
        client.drop_database("rename_probe")


def documents_still_needed(client):
    """Return whether mongoeco itself still refuses a database-level $documents aggregate.

    client: a pymongo client of an in-process embedded server (the shim is set aside meanwhile).
    """
    return _refused_without(documents_stage, lambda: list(
        client.documents_probe.aggregate([{"$documents": [{"x": 1}]}])))


def index_signature_still_needed(client):
    """Return whether mongoeco itself still refuses a second index on the same keys with another
    partial filter.

    client: a pymongo client of an in-process embedded server (the shim is set aside meanwhile).
    """
    collection = client.index_signature_probe.one

    def probe():
        collection.create_index("rank", name="positive", unique=True,
                                partialFilterExpression={"rank": {"$gt": 0}})
        collection.create_index("rank", name="numbers", unique=True,
                                partialFilterExpression={"rank": {"$type": "number"}})

    try:
        return _refused_without(index_signature, probe)
    finally:
        client.drop_database("index_signature_probe")


def collmod_still_needed(client):
    """Return whether mongoeco itself still refuses collMod's validator or index changes.

    client: a pymongo client of an in-process embedded server (the shim is set aside meanwhile).
    """
    database = client.collmod_probe

    def probe():
        database.create_collection("one")
        database.one.create_index("rank", name="rank")
        database.command({"collMod": "one", "validator": {"rank": {"$gt": 0}}})
        database.command({"collMod": "one", "index": {"name": "rank", "hidden": True}})

    try:
        return _refused_without(collmod, probe)
    finally:
        client.drop_database("collmod_probe")


def geo_still_needed(client):
    """Return (geoNear, centerSphere): whether mongoeco itself still measures $geoNear in planar
    degrees, and still refuses $geoWithin with $centerSphere.

    client: a pymongo client of an in-process embedded server (the shim is set aside meanwhile).
    """
    collection = client.geo_probe.places
    paris = {"type": "Point", "coordinates": [2.3522, 48.8566]}
    london = {"type": "Point", "coordinates": [-0.1276, 51.5072]}

    def near():
        collection.insert_one({"_id": "london", "loc": london})
        collection.create_index([("loc", "2dsphere")])
        found = list(collection.aggregate([{"$geoNear": {
            "near": paris, "distanceField": "d", "key": "loc", "spherical": True}}]))
        # MongoDB: 343,9xx m.
        assert abs(found[0]["d"] - 343_900) < 1_000, found

    def center_sphere():
        list(collection.find({"loc": {"$geoWithin": {"$centerSphere": [[2.35, 48.86], 0.1]}}}))

    try:
        return _refused_without(geo, near), _refused_without(geo, center_sphere)
    finally:
        client.drop_database("geo_probe")


def capped_still_needed(client):
    """Return whether mongoeco itself still fails to bound a capped collection, to run
    convertToCapped, or to sort on $natural descending, or still refuses $out (the capped shim
    set aside meanwhile).

    client: a pymongo client of an in-process embedded server.
    """
    database = client.capped_probe

    def probe():
        database.command({"create": "bounded", "capped": True, "size": 4096, "max": 2})
        database.bounded.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}])
        assert database.bounded.count_documents({}) == 2
        assert [d["_id"] for d in database.bounded.find().sort("$natural", -1)] == [3, 2]
        database.plain.insert_one({"_id": 1})
        database.command({"convertToCapped": "plain", "size": 4096})
        list(database.plain.aggregate([{"$out": "copied"}]))

    try:
        return _refused_without(capped, probe)
    finally:
        client.drop_database("capped_probe")


def tailable_still_needed(client):
    """Return whether mongoeco's tailable cursors still miss documents inserted after their
    first batch (the capped shim set aside meanwhile)."""
    database = client.tailable_probe

    def probe():
        database.command({"create": "log", "capped": True, "size": 4096})
        database.log.insert_one({"_id": 1})
        cursor = database.log.find({}, cursor_type=pymongo.CursorType.TAILABLE_AWAIT)
        cursor.max_await_time_ms(100)
        assert [d["_id"] for d in cursor] == [1]
        database.log.insert_one({"_id": 2})
        assert next(cursor)["_id"] == 2

    try:
        return _refused_without(capped, probe)
    finally:
        client.drop_database("tailable_probe")


def text_search_still_needed(client):
    """Return (projection, order, pipelines): whether mongoeco itself still leaves the fields
    out of a text search's documents, still ignores a sort on the text score, and still
    refuses $text in a pipeline (the shim set aside meanwhile).

    client: a pymongo client of an in-process embedded server.
    """
    collection = client.text_search_probe.notes
    search = {"$text": {"$search": "coffee"}}
    score = {"$meta": "textScore"}

    def setup():
        collection.drop()
        collection.create_index([("body", "text")])
        collection.insert_many([{"_id": 1, "body": "coffee", "n": 1},
                                {"_id": 2, "body": "coffee coffee", "n": 2}])

    def projection():
        assert [d.get("n") for d in collection.find(search, {"n": 1})] == [1, 2]

    def order():
        found = collection.find(search, {"s": score}).sort([("s", score)])
        assert [d["_id"] for d in found] == [2, 1]

    def pipelines():
        list(collection.aggregate([{"$match": search}]))

    try:
        setup()
        return tuple(_refused_without(text_search, probe)
                     for probe in (projection, order, pipelines))
    finally:
        client.drop_database("text_search_probe")


def group_missing_still_needed(client):
    """Return whether mongoeco itself still adds null to $push/$addToSet for a missing value
    or $$REMOVE (the shim set aside meanwhile).

    client: a pymongo client of an in-process embedded server.
    """
    collection = client.group_missing_probe.values

    def probe():
        collection.insert_many([{"_id": 1, "g": 1}, {"_id": 2, "g": 1, "v": 5}])
        removed = {"$cond": [{"$ne": ["$v", None]}, "$v", "$$REMOVE"]}
        for accumulator in ("$push", "$addToSet"):
            for value in ("$v", removed):
                (group,) = collection.aggregate([{"$group": {
                    "_id": "$g", "values": {accumulator: value}}}])
                assert group["values"] == [5], group

    try:
        return _refused_without(group_missing, probe)
    finally:
        client.drop_database("group_missing_probe")


def stddev_decimal_still_needed(client):
    """Return whether mongoeco itself still fails a standard deviation over Decimal128 (the
    shim set aside meanwhile).

    client: a pymongo client of an in-process embedded server.
    """
    collection = client.stddev_probe.prices

    def probe():
        collection.insert_many([{"p": bson.Decimal128("1.5")}, {"p": bson.Decimal128("2.5")}])
        list(collection.aggregate([{"$group": {"_id": None, "s": {"$stdDevPop": "$p"}}}]))

    try:
        return _refused_without(stddev_decimal, probe)
    finally:
        client.drop_database("stddev_probe")


def range_windows_still_needed(client):
    """Return whether mongoeco itself still refuses a range window over Decimal128 values.

    client: a pymongo client of an in-process embedded server (the shim is set aside meanwhile).
    """
    collection = client.range_window_probe.prices

    def probe():
        collection.insert_many([{"p": bson.Decimal128("1.5")}, {"p": bson.Decimal128("2")}])
        list(collection.aggregate([{"$setWindowFields": {"sortBy": {"p": 1}, "output": {
            "n": {"$sum": 1, "window": {"range": [bson.Decimal128("-0.5"), 0]}}}}}]))

    try:
        return _refused_without(range_windows, probe)
    finally:
        client.drop_database("range_window_probe")


def long_range_bounds_still_needed(client):
    """Return whether mongoeco itself still refuses a range window bound that is a long.

    client: a pymongo client of an in-process embedded server (the shim is set aside meanwhile).
    """
    collection = client.long_bounds_probe.spans

    def probe():
        collection.insert_many([{"us": 0}, {"us": 3_600_000_000}])
        list(collection.aggregate([{"$setWindowFields": {"sortBy": {"us": 1}, "output": {
            "n": {"$sum": 1, "window": {"range": [bson.Int64(-3_600_000_000), 0]}}}}}]))

    try:
        return _refused_without(range_windows, probe)
    finally:
        client.drop_database("long_bounds_probe")


def write_conflicts_still_needed(client):
    """Return whether mongoeco itself still lets a transaction write a document that another
    open transaction has written (the shim set aside meanwhile).

    client: a pymongo client of an in-process embedded server (in memory).
    """
    collection = client.write_conflicts_probe.one

    def probe():
        collection.insert_one({"_id": 1})
        with client.start_session() as first, client.start_session() as second:
            first.start_transaction()
            second.start_transaction()
            try:
                collection.update_one({"_id": 1}, {"$set": {"by": 1}}, session=first)
                try:
                    collection.update_one({"_id": 1}, {"$set": {"by": 2}}, session=second)
                except pymongo.errors.OperationFailure as error:
                    if error.code == write_conflicts.WRITE_CONFLICT:
                        return
                    raise
                raise AssertionError("the second transaction wrote the document too")
            finally:
                first.abort_transaction()
                second.abort_transaction()

    try:
        return _refused_without(write_conflicts, probe)
    finally:
        client.drop_database("write_conflicts_probe")


def change_streams_still_needed(client):
    """Return whether mongoeco itself still lacks change streams over the wire, or their
    updateDescription (the shim set aside meanwhile).

    client: a pymongo client of an in-process embedded server.
    """
    collection = client.change_streams_probe.one

    def probe():
        with collection.watch(max_await_time_ms=100) as stream:
            collection.insert_one({"_id": 1, "a": 1})
            collection.update_one({"_id": 1}, {"$set": {"a": 2}})
            events = [stream.try_next(), stream.try_next()]
        assert [event["operationType"] for event in events] == ["insert", "update"], events
        assert events[1]["updateDescription"]["updatedFields"] == {"a": 2}, events

    try:
        return _refused_without(change_streams, probe)
    finally:
        client.drop_database("change_streams_probe")


def search_still_needed(client):
    """Return which parts of the search shim mongoeco itself still needs, by name: "commands"
    (createSearchIndexes refused over the wire), "score" (no searchScore), "exact" (exact
    vector search refused) and "union" (a search stage refused inside $unionWith); each
    probed with the shim set aside.

    client: a pymongo client of an in-process embedded server.
    """
    database = client.search_probe
    database.articles.insert_one({"_id": 1, "title": "coffee", "v": [1.0, 0.0]})

    def commands():
        database.command({"createSearchIndexes": "articles", "indexes": [
            {"name": "default", "definition": {"mappings": {"dynamic": True}}}]})

    def score():
        found = list(database.articles.aggregate([
            {"$search": {"index": "default", "text": {"query": "coffee", "path": "title"}}},
            {"$project": {"score": {"$meta": "searchScore"}}}]))
        assert found[0]["score"] > 0, found

    def exact():
        list(database.articles.aggregate([{"$vectorSearch": {
            "index": "vectors", "path": "v", "queryVector": [1.0, 0.0], "limit": 1,
            "exact": True}}]))

    def union():
        list(database.articles.aggregate([{"$limit": 0}, {"$unionWith": {
            "coll": "articles", "pipeline": [{"$search": {
                "index": "default", "text": {"query": "coffee", "path": "title"}}}]}}]))

    try:
        needed = {"commands": _refused_without(search, commands)}
        if needed["commands"]:
            commands()  # made through the shim, for the probes that search
        database.articles.create_search_index({"name": "vectors", "type": "vectorSearch",
                                               "definition": {"fields": [{
                                                   "type": "vector", "path": "v",
                                                   "numDimensions": 2}]}})
        for name, probe in (("score", score), ("exact", exact), ("union", union)):
            needed[name] = _refused_without(search, probe)
        return needed
    finally:
        client.drop_database("search_probe")


def insert_path_still_needed(client):
    """Return (scans, one_by_one): whether mongoeco itself still reads every stored document to
    insert one, and still writes an insert command's documents one engine write at a time.

    client: a pymongo client of an in-process in-memory embedded server (the shim is set aside
    meanwhile, and mongoeco's engine methods are counted).
    """
    from mongoeco.engines.memory import MemoryEngine

    collection = client.insert_path_probe.filled
    collection.insert_many([{"_id": number} for number in range(200)])
    insert_path.uninstall()
    originals = {name: getattr(MemoryEngine, name)
                 for name in ("_borrow_storage_document", "_insert_documents_impl")}
    counted = {name: _counted(original) for name, original in originals.items()}
    try:
        for name, method in counted.items():
            setattr(MemoryEngine, name, method)
        collection.insert_one({"_id": "one more"})
        scans = counted["_borrow_storage_document"].calls >= 200
        counted["_insert_documents_impl"].calls = 0
        collection.insert_many([{"_id": "a"}, {"_id": "b"}, {"_id": "c"}])
        return scans, counted["_insert_documents_impl"].calls > 1
    finally:
        for name, original in originals.items():
            setattr(MemoryEngine, name, original)
        insert_path.install()
        client.drop_database("insert_path_probe")


def change_log_still_needed():
    """Return whether mongoeco itself still fails its change streams for good after one write
    commits more change events than its change log holds (an in-process engine with a log of
    ten; the insert path's batches stay far below the embedded server's 10,000)."""
    from mongoeco.engines.memory import MemoryEngine

    with MongoClient(MemoryEngine(change_log_max_entries=10)) as client:
        collection = client.change_log_probe.one
        collection.insert_one({"_id": "first"})
        collection.insert_many([{"_id": number} for number in range(11)])
        stream = collection.watch()
        try:
            collection.insert_one({"_id": "after"})
            event = stream.try_next()
        except Exception:  # noqa: BLE001 - mongoeco fails the stream: still stranded
            return True
        finally:
            stream.close()
        return event is None or event["documentKey"] != {"_id": "after"}


def id_lookup_still_needed(client):
    """Return whether mongoeco itself still reads every stored document to answer a filter on
    `_id $in` (the shim set aside meanwhile, and mongoeco's reads counted).

    client: a pymongo client of an in-process in-memory embedded server.
    """
    from mongoeco.engines.memory import MemoryEngine

    collection = client.id_lookup_probe.numbers
    collection.insert_many([{"_id": number} for number in range(200)])
    original = MemoryEngine._borrow_storage_document
    counting = _counted(original)
    id_lookup.uninstall()
    MemoryEngine._borrow_storage_document = counting
    try:
        assert len(list(collection.find({"_id": {"$in": [3, 4]}}))) == 2
        return counting.calls >= 200
    finally:
        MemoryEngine._borrow_storage_document = original
        id_lookup.install()
        client.drop_database("id_lookup_probe")


def membership_still_needed(client):
    """Return whether mongoeco itself still compares every candidate of a $in of numbers with
    every listed value (the shim set aside meanwhile, and mongoeco's comparison counted).

    client: a pymongo client of an in-process embedded server.
    """
    from mongoeco.core.filtering import QueryEngine

    collection = client.membership_probe.numbers
    # On a field other than _id, which id_lookup.py answers without comparing anything.
    collection.insert_many([{"_id": number, "n": number} for number in range(20)])
    # Inherited from a mixin: counted on QueryEngine itself, then removed again.
    if "_query_equality_matches" in QueryEngine.__dict__:
        return True   # mongoeco reorganised its matching: keep the shim until re-examined
    counting = _counted(QueryEngine._query_equality_matches)
    membership.uninstall()
    QueryEngine._query_equality_matches = staticmethod(counting)
    try:
        list(collection.find({"n": {"$in": list(range(100, 150))}}))
        return counting.calls >= 20 * 50
    finally:
        del QueryEngine._query_equality_matches
        membership.install()
        client.drop_database("membership_probe")


def _counted(function):
    """Return a stand-in for function (a method, too) that counts its calls in `.calls`."""
    def counting(*args, **kwargs):
        counting.calls += 1
        return function(*args, **kwargs)
    counting.calls = 0
    return counting


def update_selector_still_needed(client):
    """Return whether mongoeco itself still compiles an update_many's filter again for every
    document it updates (the shim set aside meanwhile, and the compilations counted).

    client: a pymongo client of an in-process embedded server.
    """
    from mongoeco.engines import semantic_core

    collection = client.update_selector_probe.numbers
    collection.insert_many([{"_id": number} for number in range(20)])
    compiled = 0
    original = semantic_core.ensure_query_plan

    def counting(filter_spec=None, plan=None, **kwargs):
        nonlocal compiled
        if plan is None and filter_spec == selector:
            compiled += 1
        return original(filter_spec, plan, **kwargs)

    selector = {"_id": {"$in": list(range(20))}}
    update_selector.uninstall()
    semantic_core.ensure_query_plan = counting
    try:
        collection.update_many(selector, {"$set": {"x": 1}})
        return compiled >= 20
    finally:
        semantic_core.ensure_query_plan = original
        update_selector.install()
        client.drop_database("update_selector_probe")


def change_dispatch_still_needed(directory):
    """Return whether mongoeco itself still hands the SQLite engine's change events over once
    per document an update_many writes, each hand-over taking the outbox's lease (commits and a
    thread of its own) again (the shim set aside meanwhile, and the leases counted).

    directory: an empty directory for an in-process SQLite engine's files.
    """
    from mongoeco.engines.sqlite import SQLiteEngine

    original = getattr(SQLiteEngine, "_acquire_change_dispatch_lease", None)
    if original is None:
        return True   # mongoeco reorganised its hand-over: keep the shim until re-examined
    counting = _counted(original)
    change_dispatch.uninstall()
    SQLiteEngine._acquire_change_dispatch_lease = counting
    try:
        with MongoClient(SQLiteEngine(str(Path(directory) / "probe.sqlite3"))) as client:
            collection = client.change_dispatch_probe.numbers
            collection.insert_many([{"_id": number} for number in range(20)])
            counting.calls = 0
            collection.update_many({}, {"$set": {"x": 1}})
        return counting.calls >= 20
    finally:
        SQLiteEngine._acquire_change_dispatch_lease = original
        change_dispatch.install()


def change_journal_still_needed(directory):
    """Return whether mongoeco's change stream hub itself still rewrites its whole journal for
    each event it records once its history is full (a hub of ten events, the shim set aside
    meanwhile, and the rewrites counted).

    directory: an empty directory for the hub's journal.
    """
    from mongoeco._change_streams.hub import ChangeStreamHub

    change_journal.uninstall()
    try:
        hub = ChangeStreamHub(max_retained_events=10, journal_max_log_bytes=None,
                              journal_path=str(Path(directory) / "probe.journal"))
        for number in range(40):
            hub.publish(operation_type="insert", db_name="probe", coll_name="events",
                        document_key={"_id": number}, full_document={"_id": number})
        return hub.state.journal_compaction_count >= 30
    finally:
        change_journal.install()


def unique_arrays_still_needed(directory):
    """Return whether mongoeco's SQLite engine itself still asks the whole collection, at each
    update under a unique index, whether the index's path holds an array (the shim set aside
    meanwhile, and those queries counted).

    directory: an empty directory for an in-process SQLite engine's files.
    """
    from mongoeco.engines.sqlite import SQLiteEngine

    unique_arrays.uninstall()
    try:
        engine = SQLiteEngine(str(Path(directory) / "probe.sqlite3"))
        with MongoClient(engine) as client:
            collection = client.unique_arrays_probe.codes
            collection.create_index("code", unique=True)
            collection.insert_many([{"_id": number, "code": f"c{number}"}
                                    for number in range(20)])
            statements = []
            engine._require_connection().set_trace_callback(statements.append)
            for number in range(5):
                collection.update_one({"_id": number}, {"$set": {"code": f"new{number}"}})
            engine._require_connection().set_trace_callback(None)
        return sum("json_type(document" in sql and "'array'" in sql for sql in statements) >= 5
    finally:
        unique_arrays.install()


def unique_numbers_still_needed(directory):
    """Return whether mongoeco's SQLite engine itself still decodes every stored document to
    check a number written under a unique index (the shim set aside meanwhile, and the
    decodings counted).

    directory: an empty directory for an in-process SQLite engine's files.
    """
    from mongoeco.engines.sqlite import SQLiteEngine

    original = SQLiteEngine._deserialize_document
    counting = _counted(original)
    unique_numbers.uninstall()
    try:
        with MongoClient(SQLiteEngine(str(Path(directory) / "probe.sqlite3"))) as client:
            collection = client.unique_numbers_probe.codes
            collection.create_index("code", unique=True)
            collection.insert_many([{"_id": number, "code": number} for number in range(50)])
            SQLiteEngine._deserialize_document = counting
            collection.update_one({"_id": 0}, {"$set": {"code": 100}})
            SQLiteEngine._deserialize_document = original
        return counting.calls >= 50
    finally:
        SQLiteEngine._deserialize_document = original
        unique_numbers.install()


def option_values_still_needed(directory):
    """Return whether mongoeco's SQLite engine itself still fails to create a collection whose
    validator holds an Int64 (the shim set aside meanwhile).

    directory: an empty directory for an in-process SQLite engine's files.
    """
    from mongoeco.core.bson_scalars import BsonInt64
    from mongoeco.engines.sqlite import SQLiteEngine

    def probe():
        # In process, as the wire layer hands it over: an Int64 is mongoeco's BsonInt64.
        with MongoClient(SQLiteEngine(str(Path(directory) / "probe.sqlite3"))) as client:
            client.option_values_probe.create_collection(
                "bounded", validator={"n": {"$lte": BsonInt64(2**40)}})

    return _refused_without(option_values, probe)


def install():
    """Register every shim (idempotent; mongoeco's registry is process-wide)."""
    # Deviation "index-signature-ignores-partial-filter": mongoeco 4.11 refuses two indexes on
    # the same keys with different partial filters or uniqueness, which MongoDB keeps side by
    # side (a unique nullable field with a conditional UniqueConstraint on it).
    index_signature.install()
    # Deviation "database-aggregate-missing": mongoeco 4.11 refuses db.aggregate() without a
    # collection, which Q.check() (constraint validation) sends as a $documents pipeline.
    documents_stage.install()
    # Deviation "collection-rename": mongoeco 4.11 refuses renameCollection on the admin
    # database, where MongoDB (and pymongo's Collection.rename) run it.
    rename.install()
    # Deviation "collmod-missing": mongoeco 4.11 refuses collMod, which changes a validator
    # (AddConstraint/RemoveConstraint of a CheckConstraint, generated schemas) or an index's
    # hidden and expireAfterSeconds settings in place.
    collmod.install()
    # Deviations "geonear-planar" and "centersphere-refused": mongoeco 4.11 sorts $geoNear by
    # planar degrees and refuses $geoWithin with $centerSphere, which djongo-geo's distance
    # ordering and distance filters send.
    geo.install()
    # Deviations "range-window-decimal128" and "range-window-long-bounds": mongoeco 4.11
    # refuses a Decimal128 sort value or bound in a range window, which a RANGE frame over a
    # DecimalField sends, and a long bound, which one over a duration or datetime sends.
    range_windows.install()
    # Deviations "capped-collections", "tailable-cursors" and "natural-sort-descending":
    # mongoeco 4.11 neither bounds capped collections nor keeps tailable cursors open, which
    # the tailable plugin's capped models and tail() need.
    capped.install()
    # Deviations "text-search-projection", "text-search-order" and "text-search-find-only":
    # mongoeco 4.11 answers $text in a find only, with the documents' fields left out and the
    # score's sort ignored, where the indexes plugin's TextSearch needs MongoDB's answers.
    text_search.install()
    # Deviation "transaction-write-conflicts": mongoeco 4.11's in-memory engine lets two open
    # transactions write the same document and fails a commit instead, so select_for_update()
    # (the transactions plugin's lock write) could not wait for the document.
    write_conflicts.install()
    # Deviation "change-streams-missing": mongoeco 4.11's wire server refuses $changeStream,
    # which the tailable plugin's watch() and manage.py watch open.
    change_streams.install()
    # Deviations "search-index-commands", "search-score-missing", "vector-search-exact" and
    # "search-in-union": mongoeco 4.11 runs $search and $vectorSearch but refuses the search
    # index commands over the wire, has no searchScore, no exact vector search and no search
    # stage inside $unionWith, which djongo-search's migrations and queries send.
    search.install()
    # Deviation "insert-cost-grows-with-collection": mongoeco 4.11 compares each inserted _id
    # with every stored one and writes an insert command document by document, so filling a
    # collection is quadratic (bulk_create, loaddata, data migrations). It writes a batch in
    # parts: deviation "change-log-overflow", mongoeco 4.11 strands its change consumer (change
    # streams fail, every write copies the whole log) after a write of over 10,000 documents.
    insert_path.install()
    # Deviation "in-cost-grows-with-the-list": mongoeco 4.11 compares every value of a $in list
    # of numbers or strings with every candidate, which Django's pk__in lists (prefetch, the
    # deletion collector, bulk_update, backfills) make quadratic.
    membership.install()
    # Deviation "id-in-scans-the-collection": mongoeco 4.11 reads every stored document to
    # answer `_id $in`, which the deletion collector, bulk_update and backfills send by batches
    # (deleting most of a large collection took minutes).
    id_lookup.install()
    # Deviation "group-accumulators-keep-missing": mongoeco 4.11's $push and $addToSet add
    # null for a missing value or $$REMOVE, which distinct counts, filtered StringAgg and the
    # bit aggregates send for the rows they leave out.
    group_missing.install()
    # Deviation "stddev-of-decimal128": mongoeco 4.11's $stdDevPop and $stdDevSamp fail on
    # Decimal128, which StdDev() and Variance() of a DecimalField send.
    stddev_decimal.install()
    # Deviation "update-many-recompiles-its-filter": mongoeco 4.11 compiles an update_many's
    # filter again for each document it updates, which makes a backfill by batches of ids
    # (migrations adding a field with a default) quadratic in the batch.
    update_selector.install()
    # Deviation "sqlite-dispatch-per-document": mongoeco 4.11 hands the SQLite engine's change
    # events to its hub after every document an update or delete command writes, at ~1.7 ms a
    # hand-over, which made a backfill or bulk_update on "embedded:///dir" ten times slower.
    change_dispatch.install()
    # Deviation "change-history-rewritten-per-write": mongoeco 4.11's change stream hub
    # rewrites a persistent server's whole change history (10,000 events) at every write once
    # it is full, which held the server for half a second a write.
    change_journal.install()
    # Deviation "unique-check-scans-the-collection": mongoeco 4.11's SQLite engine asks the
    # whole collection whether a unique index's path holds an array at every updated document
    # (each write clears its cached answer), which made updates under a unique index grow
    # with the collection.
    unique_arrays.install()
    # The same deviation: for a number, that engine decodes and compares every stored document
    # at each write under a unique index (inserts there were quadratic).
    unique_numbers.install()
    # Deviation "collection-options-bson-values": mongoeco 4.11's SQLite engine stores a
    # collection's options as plain JSON, so a validator holding an Int64 or a Decimal128 (the
    # schema_validation plugin's bounds of a BigAutoField key) failed create and collMod.
    option_values.install()
    for shim in SHIMS:
        if get_registered_aggregation_expression_operator(shim.operator) is None:
            register_aggregation_expression_operator(shim.operator, shim.handler)
