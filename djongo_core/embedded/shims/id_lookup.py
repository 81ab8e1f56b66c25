"""`_id: {$in: [...]}` answered from the stored keys (deviation "id-in-scans-the-collection").

MongoDB answers a filter on `_id $in` with one lookup per listed value in the `_id` index.
mongoeco 4.11 looks a single `_id` up by its storage key, but for a `$in` it reads, decodes and
tests every stored document. Django sends such filters by batches: the deletion collector
deletes 100 ids at a time (`delete_many`), bulk_update, prefetches and migration backfills
select by id lists, so working through a collection batch by batch is quadratic: deleting
80,000 of 100,000 documents took over ten minutes.

The shim hands mongoeco's matcher only the documents stored under the listed ids, when the
plan's top level (or one clause of a top-level `$and`) is `_id $in` and no collation applies;
mongoeco still tests the whole filter on each of them, in the collection's natural order, so
the shim only leaves out documents that cannot match. It must not leave out one that can:

- mongoeco keys a document by its `_id`'s type and value, and MongoDB counts `1`, `1.0`,
  `Int64(1)` and `Decimal128("1")` as the same `_id`. For a listed number the shim looks up the
  keys of each integer and double type, and stands aside (mongoeco scans, as before) while the
  collection holds an `_id` of any other kind that could equal a number (a Decimal128): that
  is checked once per version of the collection's key set (mongoeco's persistent key-order map
  is replaced whenever a key is added or removed, and only then), block by block of its key
  order (see _KeyKinds).
- Only strings, ObjectIds and numbers are looked up; a list with anything else (null, a
  regular expression, a document, a date) is left to mongoeco.

The in-memory engine only (``embedded:``); mongoeco has no hook for it, so the shim wraps
``MemoryEngine._candidate_items_for_plan_locked`` and stands down if it is gone.
"""

import math
import threading
from collections import OrderedDict

from mongoeco.core.bson_ordering import bson_engine_key
from mongoeco._types._bson_objectid import is_object_id_like
from mongoeco.core.bson_scalars import BsonDouble, BsonInt32, BsonInt64, unwrap_bson_numeric
from mongoeco.core.query_plan import AndCondition, InCondition
from mongoeco.engines import _memory_collection
from mongoeco.engines._memory_collection import MemoryCollection
from mongoeco.engines.memory import MemoryEngine

_ORIGINAL = getattr(MemoryEngine, "_candidate_items_for_plan_locked", None)
# How mongoeco marks a deleted key's place in a block, and the end of the block chain.
_DELETED = getattr(_memory_collection, "_DELETED", None)
_NO_CHUNK = getattr(_memory_collection, "_NO_CHUNK", None)
# Storage-key kinds of `_id`s that equal nothing stored under another kind's key, besides the
# integer and double kinds the shim looks up together.
_SINGLE_KINDS = frozenset({"none", "bool", "int", "float", "code", "str", "binary", "bytes",
                           "uuid", "objectid", "datetime", "timestamp", "regex", "dict", "list",
                           BsonInt32, BsonInt64, BsonDouble})
_INT32 = range(-2**31, 2**31)
_INT64 = range(-2**63, 2**63)
# Key-order maps remembered at once: a few collections worked on side by side.
_REMEMBERED = 64
# Blocks of 128 keys remembered: collections of a million documents or so.
_BLOCKS_REMEMBERED = 8_192


class _KeyKinds:
    """Whether a collection's `_id`s are all of _SINGLE_KINDS.

    Remembered per version of the collection's key set, and below that per block of its
    key order: mongoeco keeps the keys in immutable blocks of 128, shared between versions and
    replaced when one of their keys is added, removed or changed, so a batch of deletes
    re-examines the few blocks it touched, not the collection.
    """

    def __init__(self):
        self._versions = OrderedDict()   # id(key-order map) -> (that map, verdict)
        self._blocks = OrderedDict()     # id(block) -> (that block, verdict)
        self._lock = threading.Lock()

    def single(self, collection):
        version = collection._ordinals
        with self._lock:
            entry = self._versions.get(id(version))
            if entry is not None and entry[0] is version:
                return entry[1]
            verdict = all(self._block_single(block) for block in _blocks(collection))
            # The objects are kept alive with their verdicts: their ids stay their own.
            _remember(self._versions, version, verdict, _REMEMBERED)
        return verdict

    def _block_single(self, block):
        entry = self._blocks.get(id(block))
        if entry is not None and entry[0] is block:
            return entry[1]
        verdict = all(item is _DELETED
                      or (isinstance(item[0], tuple) and item[0][0] in _SINGLE_KINDS)
                      for item in block.items)
        _remember(self._blocks, block, verdict, _BLOCKS_REMEMBERED)
        return verdict


def _remember(entries, thing, verdict, limit):
    entries[id(thing)] = (thing, verdict)
    entries.move_to_end(id(thing))
    while len(entries) > limit:
        entries.popitem(last=False)


def _blocks(collection):
    """The blocks of a collection's key order, first to last."""
    block_id = collection._head_chunk
    while block_id != _NO_CHUNK:
        block = collection._chunks[block_id]
        yield block
        block_id = block.following


_key_kinds = _KeyKinds()


def _listed_ids(plan):
    """The values of the plan's `_id $in`, if its top level requires one."""
    clauses = plan.clauses if isinstance(plan, AndCondition) else (plan,)
    for clause in clauses:
        if (isinstance(clause, InCondition) and clause.field == "_id"
                and not clause.null_matches_undefined):
            return clause.values
    return None


def _number_keys(number):
    """The storage keys under which an `_id` equal to number can be stored, Decimal128 aside."""
    if isinstance(number, float) and not number.is_integer():
        if math.isnan(number):
            return None   # mongoeco's own comparison decides
        return [bson_engine_key(number), bson_engine_key(BsonDouble(number))]
    integer = int(number)
    keys = [bson_engine_key(integer)]
    if float(integer) == integer:
        keys += [bson_engine_key(float(integer)), bson_engine_key(BsonDouble(float(integer)))]
    if integer in _INT32:
        keys.append(bson_engine_key(BsonInt32(integer)))
    if integer in _INT64:
        keys.append(bson_engine_key(BsonInt64(integer)))
    return keys


def _storage_keys(values):
    """Every storage key a document matching `_id $in values` can have, or None if unknown."""
    keys = set()
    for value in values:
        plain = unwrap_bson_numeric(value)
        if isinstance(plain, bool):
            return None
        if isinstance(plain, str) or is_object_id_like(plain):
            keys.add(bson_engine_key(value))
        elif isinstance(plain, (int, float)):
            number_keys = _number_keys(plain)
            if number_keys is None:
                return None
            keys.update(number_keys)
        else:
            return None
    return keys


def _candidate_items(self, coll, query_plan, *, dialect, indexes, index_data, collation,
                     natural_order_limit=None):
    values = _listed_ids(query_plan) if collation is None else None
    keys = None
    if values is not None and isinstance(coll, MemoryCollection):
        keys = _storage_keys(values)
    if keys is None or not _key_kinds.single(coll):
        return _ORIGINAL(self, coll, query_plan, dialect=dialect, indexes=indexes,
                         index_data=index_data, collation=collation,
                         natural_order_limit=natural_order_limit)
    # All of them, whatever natural_order_limit: a candidate may still fail the rest of the filter.
    return [(key, coll[key]) for key in coll.ordered_keys(keys)]


def _complete():
    empty = MemoryCollection()
    return (_ORIGINAL is not None and _DELETED is not None and _NO_CHUNK is not None
            and all(hasattr(empty, name) for name in ("_ordinals", "_head_chunk", "_chunks")))


def install():
    """Answer `_id $in` from the stored keys (idempotent)."""
    if _complete():
        MemoryEngine._candidate_items_for_plan_locked = _candidate_items


def uninstall():
    if _ORIGINAL is not None:
        MemoryEngine._candidate_items_for_plan_locked = _ORIGINAL
