"""Capped collections and tailable cursors on the embedded engine (deviations
"capped-collections", "tailable-cursors", "natural-sort-descending" and
"out-stage-missing", shimmed).

mongoeco 4.11 accepts ``capped``, ``size`` and ``max`` when it creates a collection and does
nothing with them; pymongo's ``create_collection(capped=True, size=...)`` is even refused, as
pymongo sends ``size`` as a double and mongoeco wants a Python int. Its cursors materialize the
whole result, so a tailable cursor dies at the end of its first batch, and ``convertToCapped``,
``collMod cappedSize/cappedMax`` and ``sort({$natural: -1})`` are missing or ignored. This shim
answers, inside the embedded server, with MongoDB 7.0's behaviour:

- ``create``: a whole-number double ``size``/``max`` is taken as the integer it is; the size is
  rounded up as MongoDB rounds it (at least 4096, a multiple of 256), and listCollections shows
  that.
- after every write to a capped collection the oldest documents (in natural order: insertion
  order in memory, _id order on the SQLite engine) are removed until at most ``max`` documents and ``size``
  bytes of BSON are left, as MongoDB removes them to make room;
- ``convertToCapped`` keeps the newest documents that fit and only the ``_id`` index;
  ``collMod`` with ``cappedSize``/``cappedMax`` changes the bounds (and trims);
- a ``find`` with ``tailable`` (and ``awaitData``) on a capped collection keeps a cursor of its
  own: a ``getMore`` after the last document waits up to ``maxTimeMS`` (1 s by default) for
  writes to the collection and returns the documents inserted after the last one it returned;
  a cursor whose last document rolled out of the collection fails with CappedPositionLost
  (136), and ``tailable`` on a collection that is not capped with BadValue (2), as MongoDB does;
- ``sort: {$natural: -1}`` returns the documents newest first;
- an aggregate ending in ``$out`` (which mongoeco refuses) writes its documents to the target
  collection, as RemoveConstraint's copy of a capped collection needs.

mongoeco has no public hook for commands, so the shim wraps the wire server's command entry
point (``WireCommandExecutor.execute_prepared``, and ``_build_request_context`` so that the
surface accepts convertToCapped), a layer no other shim wraps, and stands down
if mongoeco renames it. The natural order it relies on is that of the engines' own find.
"""

import asyncio
import dataclasses
import itertools
import math
import time
from dataclasses import dataclass, field

import bson
from mongoeco.core.bson_scalars import unwrap_bson_numeric
from mongoeco.wire.executor import WireCommandExecutor

from djongo_core.embedded.shims import collection_catalog
from djongo_core.embedded.shims.replies import command_error as _error
from djongo_core.embedded.shims.replies import kill_cursors_reply, namespace_not_found

MIN_SIZE = 4096
SIZE_STEP = 256
DEFAULT_AWAIT_MS = 1000
# Wire commands after which a capped collection may hold too much.
WRITES = frozenset({"insert", "update", "findAndModify"})
# Cursor ids of this shim's tailable cursors: far above those mongoeco hands out, and int32
# (mongoeco's wire layer refuses a getMore whose id arrives as an int64).
_ids = itertools.count(2**30)

_execute_prepared = getattr(WireCommandExecutor, "execute_prepared", None)
_build_request_context = getattr(WireCommandExecutor, "_build_request_context", None)
# Commands mongoeco's wire surface does not list, which this shim answers itself.
OWN_COMMANDS = frozenset({"convertToCapped"})



def _whole(value, name):
    """A capped bound as an int: whole-number doubles (pymongo sends size as one) included."""
    value = unwrap_bson_numeric(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and (not math.isfinite(value) or value != int(value))):
        raise _error(14, "TypeMismatch", f"BSON field 'create.{name}' must be a whole number")
    return int(value)


def rounded_size(size):
    """The cap MongoDB gives a capped collection asked for ``size`` bytes."""
    return max(MIN_SIZE, -(-size // SIZE_STEP) * SIZE_STEP)


@dataclass
class TailState:
    namespace: str
    filter: dict
    projection: dict | None
    last_id: object
    session: object                  # the request context of the find that opened it


@dataclass
class ShimState:
    """Per wire executor: its tailable cursors and a write counter per namespace."""

    cursors: dict = field(default_factory=dict)
    writes: dict = field(default_factory=dict)


_states = {}


def _state(executor):
    state = _states.get(id(executor))
    if state is None:
        state = _states[id(executor)] = ShimState()
    return state


async def _options(executor, db_name, coll_name):
    engine = executor._client.get_database(db_name)._engine
    if coll_name not in await engine.list_collections(db_name):
        return None
    return await engine.collection_options(db_name, coll_name)


async def _natural(executor, db_name, coll_name, query=None, projection=None):
    collection = executor._client.get_database(db_name).get_collection(coll_name)
    return await collection.find(query or {}, projection).to_list()


async def trim(executor, db_name, coll_name, options):
    """Remove the oldest documents past the collection's max and size."""
    documents = await _natural(executor, db_name, coll_name)
    limit = options.get("max")
    keep = len(documents) if not limit else min(len(documents), limit)
    total, size = 0, options.get("size")
    kept = 0
    for document in reversed(documents[len(documents) - keep:]):
        total += len(bson.encode(document))
        if size and total > size and kept:
            break
        kept += 1
    removed = [document["_id"] for document in documents[: len(documents) - kept]]
    if removed:
        collection = executor._client.get_database(db_name).get_collection(coll_name)
        await collection.delete_many({"_id": {"$in": removed}})


async def _execute(self, context):
    handler = _HANDLERS.get(context.command_name)
    if handler is None:
        return await _execute_prepared(self, context)
    return await handler(self, context)


def _building(self, body, **kwargs):
    if next(iter(body), None) in OWN_COMMANDS:
        kwargs = {**kwargs, "surface": _Accepting(self._surface)}
        from mongoeco.wire import _executor_support

        return _executor_support.build_request_context(
            body, client=self._client, session_store=self._session_store, **kwargs)
    return _build_request_context(self, body, **kwargs)


class _Accepting:
    """The server's wire surface, also accepting the commands this shim answers."""

    def __init__(self, surface):
        self._surface = surface

    def supports_command(self, command_name):
        return command_name in OWN_COMMANDS or self._surface.supports_command(command_name)

    def __getattr__(self, name):
        return getattr(self._surface, name)


async def _plain(self, context, document=None):
    if document is not None:
        context = dataclasses.replace(context, command_document=document)
    return await _execute_prepared(self, context)


async def _create(self, context):
    body = context.command_document
    if body.get("capped"):
        body = dict(body)
        if "size" not in body:
            raise _error(72, "InvalidOptions", "the 'size' field is required when 'capped' is "
                                               "true")
        body["size"] = rounded_size(_whole(body["size"], "size"))
        if body.get("max") is not None:
            body["max"] = _whole(body["max"], "max")
    return await _plain(self, context, body)


async def _write(self, context):
    reply = await _plain(self, context)
    db_name = context.db_name
    coll_name = context.command_document.get(context.command_name)
    if isinstance(coll_name, str):
        namespace = f"{db_name}.{coll_name}"
        state = _state(self)
        state.writes[namespace] = state.writes.get(namespace, 0) + 1
        if getattr(context.session, "transaction_active", False):
            # MongoDB refuses writes to capped collections in a transaction; the engines allow
            # no catalog read outside the transaction's session meanwhile. Not trimmed here.
            return reply
        options = await _options(self, db_name, coll_name)
        if options and options.get("capped"):
            await trim(self, db_name, coll_name, options)
    return reply


async def _convert_to_capped(self, context):
    body, db_name = context.command_document, context.db_name
    coll_name = body.get("convertToCapped")
    if not isinstance(coll_name, str) or not coll_name:
        raise _error(73, "InvalidNamespace", "convertToCapped needs a collection name")
    if "size" not in body:
        raise _error(40414, "IDLFailedToParse",
                     "BSON field 'convertToCapped.size' is missing but a required field")
    size = rounded_size(_whole(body["size"], "size"))
    options = await _options(self, db_name, coll_name)
    if options is None:
        raise namespace_not_found(f"source collection {db_name}.{coll_name} does not exist")
    database = self._client.get_database(db_name)
    documents = await _natural(self, db_name, coll_name)
    # MongoDB builds a new capped collection holding the newest documents that fit, with only
    # the _id index, and puts it in the old one's place.
    await database.drop_collection(coll_name)
    await database.create_collection(coll_name, **{
        **{k: v for k, v in options.items() if k not in ("capped", "size", "max")},
        "capped": True, "size": size})
    if documents:
        await database.get_collection(coll_name).insert_many(documents)
        await trim(self, db_name, coll_name, {"capped": True, "size": size})
    return {"ok": 1.0}


async def _coll_mod(self, context):
    body, db_name = context.command_document, context.db_name
    capped_fields = {key: body[key] for key in ("cappedSize", "cappedMax") if key in body}
    if not capped_fields:
        return await _plain(self, context)
    coll_name = body.get("collMod")
    options = await _options(self, db_name, coll_name) if isinstance(coll_name, str) else None
    if options is None:
        raise namespace_not_found()
    if not options.get("capped"):
        raise _error(72, "InvalidOptions", "Cannot change the size or the max of a collection "
                                           "that is not capped")
    rest = {key: value for key, value in body.items() if key not in capped_fields}
    reply = {"ok": 1.0}
    if len(rest) > 1 + sum(key in rest for key in ("comment", "writeConcern", "maxTimeMS")):
        reply = await _plain(self, context, rest)
        options = await _options(self, db_name, coll_name)
    options = dict(options)
    if "cappedSize" in capped_fields:
        options["size"] = rounded_size(_whole(capped_fields["cappedSize"], "cappedSize"))
    if "cappedMax" in capped_fields:
        new_max = _whole(capped_fields["cappedMax"], "cappedMax")
        # MongoDB: 0 or a negative max means no document limit.
        if new_max > 0:
            options["max"] = new_max
        else:
            options.pop("max", None)
    engine = self._client.get_database(db_name)._engine
    await collection_catalog.set_collection_options(engine, db_name, coll_name, options)
    await trim(self, db_name, coll_name, options)
    return reply


async def _find(self, context):
    body = context.command_document
    sort = body.get("sort")
    if body.get("tailable"):
        return await _tailable_find(self, context)
    if isinstance(sort, dict) and list(sort) == ["$natural"] and \
            unwrap_bson_numeric(sort["$natural"]) == -1:
        return await _reverse_natural_find(self, context)
    return await _plain(self, context)


_RESULT_SHAPING = ("sort", "skip", "limit", "batchSize", "singleBatch", "tailable",
                   "awaitData", "noCursorTimeout")


async def _all_documents(self, context):
    """Every document of a find (no sort, skip, limit or batches), in natural order."""
    plain = {key: value for key, value in context.command_document.items()
             if key not in _RESULT_SHAPING}
    reply = await _plain(self, context, plain)
    return reply["cursor"]["firstBatch"], reply


async def _reverse_natural_find(self, context):
    body = context.command_document
    documents, reply = await _all_documents(self, context)
    documents = documents[::-1]
    skip = int(unwrap_bson_numeric(body.get("skip", 0)) or 0)
    limit = abs(int(unwrap_bson_numeric(body.get("limit", 0)) or 0))
    documents = documents[skip: skip + limit if limit else None]
    reply["cursor"] = {**reply["cursor"], "id": 0, "firstBatch": documents}
    return reply


async def _tailable_find(self, context):
    body, db_name = context.command_document, context.db_name
    coll_name = body.get("find")
    options = await _options(self, db_name, coll_name)
    if options is None:
        # MongoDB answers a find on a missing collection with no documents and no cursor.
        return await _plain(self, context, {key: value for key, value in body.items()
                                            if key not in ("tailable", "awaitData")})
    if not options.get("capped"):
        raise _error(2, "BadValue", "error processing query: tailable cursor requested on non "
                                    "capped collection")
    if body.get("sort") not in (None, {}) and list(body["sort"]) != ["$natural"]:
        raise _error(2, "BadValue", "cannot use tailable option with a sort other than "
                                    "{$natural: 1}")
    documents, reply = await _all_documents(self, context)
    batch_size = body.get("batchSize")
    batch = documents if batch_size in (None, 0) else documents[: int(batch_size)]
    namespace = f"{db_name}.{coll_name}"
    cursor_id = 0
    if documents:
        # MongoDB keeps a tailable cursor open only when its first find matched something.
        cursor_id = next(_ids)
        # Nothing is kept for later batches: each getMore reads on from the last document
        # returned, so one that rolled out of the collection is noticed (CappedPositionLost).
        _state(self).cursors[cursor_id] = TailState(
            namespace=namespace, filter=body.get("filter") or {},
            projection=body.get("projection"), last_id=batch[-1]["_id"] if batch else None,
            session=context)
    reply["cursor"] = {"id": cursor_id, "ns": namespace, "firstBatch": batch}
    return reply


async def _get_more(self, context):
    body = context.command_document
    cursor_id = body.get("getMore")
    state = _state(self)
    tail = state.cursors.get(cursor_id)
    if tail is None:
        return await _plain(self, context)
    batch_size = int(unwrap_bson_numeric(body.get("batchSize") or 0))
    wait_ms = unwrap_bson_numeric(body.get("maxTimeMS", DEFAULT_AWAIT_MS))
    deadline = time.monotonic() + wait_ms / 1000
    seen_writes, documents = None, []
    while True:
        writes = state.writes.get(tail.namespace, 0)
        if writes != seen_writes:
            seen_writes = writes
            documents = await _after_last(self, tail, cursor_id)
            if documents:
                break
        if time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.01)
    batch = documents if not batch_size else documents[:batch_size]
    if batch:
        tail.last_id = batch[-1]["_id"]
    return {"cursor": {"id": cursor_id, "ns": tail.namespace, "nextBatch": batch}, "ok": 1.0}


async def _after_last(self, tail, cursor_id):
    coll_name = tail.namespace.split(".", 1)[1]
    body = {"find": coll_name, "filter": tail.filter}
    if tail.projection is not None:
        body["projection"] = tail.projection
    # The find that opened the cursor, run again: same session and connection.
    documents, _reply = await _all_documents(
        self, dataclasses.replace(tail.session, command_name="find", command_document=body))
    if tail.last_id is None:
        return documents
    ids = [document["_id"] for document in documents]
    if tail.last_id not in ids:
        del _state(self).cursors[cursor_id]
        raise _error(136, "CappedPositionLost",
                     f"CollectionScan died due to position in capped collection "
                     f"{tail.namespace} having been deleted")
    return documents[ids.index(tail.last_id) + 1:]


async def _kill_cursors(self, context):
    body = context.command_document
    state = _state(self)
    mine = [cursor_id for cursor_id in body.get("cursors") or [] if cursor_id in state.cursors]
    if not mine:
        return await _plain(self, context)
    for cursor_id in mine:
        del state.cursors[cursor_id]
    others = [cursor_id for cursor_id in body["cursors"] if cursor_id not in mine]
    reply = kill_cursors_reply()
    if others:
        reply = await _plain(self, context, {**body, "cursors": others})
    reply["cursorsKilled"] = [*reply.get("cursorsKilled", []), *mine]
    return reply


async def _aggregate(self, context):
    """An aggregate ending in $out (deviation "out-stage-missing"): the pipeline's documents
    replace the target collection, which is created anew (uncapped, as MongoDB's $out makes it)
    unless it exists, whose options and indexes are then kept."""
    body = context.command_document
    pipeline = body.get("pipeline")
    if not (isinstance(pipeline, list) and pipeline and isinstance(pipeline[-1], dict)
            and list(pipeline[-1]) == ["$out"]):
        return await _plain(self, context)
    target = pipeline[-1]["$out"]
    db_name = context.db_name
    if isinstance(target, dict):
        db_name, target = target.get("db", db_name), target.get("coll")
    if not isinstance(target, str) or not target:
        raise _error(17385, "Location17385", "$out needs a collection name")
    options = await _options(self, db_name, target)
    if options and options.get("capped"):
        raise _error(17152, "Location17152", f"namespace '{db_name}.{target}' is capped so "
                                             "it can't be used for $out")
    reply = await _plain(self, context, {**body, "pipeline": pipeline[:-1],
                                         "cursor": {}})
    documents = reply["cursor"]["firstBatch"]
    database = self._client.get_database(db_name)
    collection = database.get_collection(target)
    if options is None:
        await database.create_collection(target)
    else:
        await collection.delete_many({})
    if documents:
        await collection.insert_many(documents)
    reply["cursor"] = {**reply["cursor"], "id": 0, "firstBatch": []}
    return reply


_HANDLERS = {
    "aggregate": _aggregate,
    "create": _create,
    "convertToCapped": _convert_to_capped,
    "collMod": _coll_mod,
    "find": _find,
    "getMore": _get_more,
    "killCursors": _kill_cursors,
    **dict.fromkeys(WRITES, _write),
}


def install():
    """Let the embedded server keep capped collections and tailable cursors (idempotent)."""
    if _execute_prepared is None or _build_request_context is None:
        return
    if WireCommandExecutor.execute_prepared is _execute_prepared:
        WireCommandExecutor.execute_prepared = _execute
    if WireCommandExecutor._build_request_context is _build_request_context:
        WireCommandExecutor._build_request_context = _building


def uninstall():
    if _execute_prepared is not None:
        WireCommandExecutor.execute_prepared = _execute_prepared
    if _build_request_context is not None:
        WireCommandExecutor._build_request_context = _build_request_context
