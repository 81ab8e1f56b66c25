"""Indexes on the same keys with different signatures (deviation "index-signature-ignores-partial-filter").

MongoDB (5.0+) identifies an index by its key pattern together with its collation,
partialFilterExpression, unique and sparse options, so a unique index on `rank` for non-null
values and a unique index on `rank` where `rank > 0` coexist. mongoeco 4.11 refuses the second
index on any key pattern already indexed with other options. Its index build and its
enforcement otherwise work per index (by name), so the shim hides the same-key indexes of a
different signature from the conflict check of one index build, and from nothing else:

- in-memory engine: the build runs under the collection's lock; the shim takes that lock first
  (engine_lock.holding), lifts the indexes out of the collection's index list for the build and
  puts them back at their places;
- SQLite engine: the build runs under the engine's re-entrant lock; the shim holds it and the
  index-list loader leaves those indexes out for this thread during the build.

Any other difference on the same keys (expireAfterSeconds, hidden, weights...) is still refused,
as MongoDB refuses it. mongoeco has no public hook for index builds, so the shim wraps the two
engines' methods and stands down if mongoeco renames them.
"""

import threading
from contextlib import contextmanager

from mongoeco._types.indexes import default_index_name, normalize_index_keys
from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.engines.virtual_indexes import normalize_partial_filter_expression

from djongo_core.embedded.shims import engine_lock, layers

_ORIGINALS = layers.originals(
    (MemoryEngine, "create_index"),
    (SQLiteEngine, "_create_index_sync"),
    (SQLiteEngine, "_load_indexes"),
)
# The SQLite engine's per-thread view: (engine, db, collection, names to leave out).
_sqlite_hidden = threading.local()


def _signature(key, *, unique, sparse, collation, partial_filter_expression):
    return (tuple(key), bool(unique), bool(sparse), collation, partial_filter_expression)


def _record_signature(index):
    return _signature(index["key"], unique=index["unique"], sparse=index.get("sparse"),
                      collation=index.get("collation"),
                      partial_filter_expression=index.get("partial_filter_expression"))


def _other_signatures(indexes, keys, options):
    """The positions and records of indexes on the same keys whose signature differs from the
    index being built: MongoDB keeps both, mongoeco's conflict check must not see them."""
    key = normalize_index_keys(keys)
    name = options.get("name") or default_index_name(key)
    wanted = _signature(
        key, unique=options.get("unique", False), sparse=options.get("sparse", False),
        collation=options.get("collation"),
        partial_filter_expression=normalize_partial_filter_expression(
            options.get("partial_filter_expression")))
    return [(position, index) for position, index in enumerate(indexes)
            if index["key"] == key and index["name"] != name
            and _record_signature(index) != wanted]


@contextmanager
def _lifted(engine, db_name, coll_name, keys, options):
    view = engine._indexes_view(options.get("context"))
    indexes = view.get(db_name, {}).get(coll_name, [])
    lifted = _other_signatures(indexes, keys, options)
    for position, _ in reversed(lifted):
        del indexes[position]
    try:
        yield
    finally:
        # A failed build rolls the collection's state back, possibly into a new list.
        current = view.setdefault(db_name, {}).setdefault(coll_name, [])
        for position, index in lifted:
            current.insert(position, index)


async def _memory_create_index(self, db_name, coll_name, keys, **options):
    build = _ORIGINALS[MemoryEngine, "create_index"]
    async with engine_lock.holding(self, db_name, coll_name):
        with _lifted(self, db_name, coll_name, keys, options):
            return await build(self, db_name, coll_name, keys, **options)


def _sqlite_load_indexes(self, db_name, coll_name):
    indexes = _ORIGINALS[SQLiteEngine, "_load_indexes"](self, db_name, coll_name)
    hidden = getattr(_sqlite_hidden, "current", None)
    if hidden is None or hidden[:3] != (id(self), db_name, coll_name):
        return indexes
    return [index for index in indexes if index["name"] not in hidden[3]]


def _sqlite_create_index_sync(self, db_name, coll_name, keys, *args, **kwargs):
    build = _ORIGINALS[SQLiteEngine, "_create_index_sync"]
    # The build's options arrive positionally; only those of the signature matter here.
    names = ("unique", "name", "sparse", "hidden", "collation", "partial_filter_expression")
    options = {**dict(zip(names, args)), **kwargs}
    with self._lock:
        indexes = _ORIGINALS[SQLiteEngine, "_load_indexes"](self, db_name, coll_name)
        hidden = {index["name"] for _, index in _other_signatures(indexes, keys, options)}
        _sqlite_hidden.current = (id(self), db_name, coll_name, hidden)
        try:
            return build(self, db_name, coll_name, keys, *args, **kwargs)
        finally:
            _sqlite_hidden.current = None


_SHIMMED = {
    (MemoryEngine, "create_index"): _memory_create_index,
    (SQLiteEngine, "_create_index_sync"): _sqlite_create_index_sync,
    (SQLiteEngine, "_load_indexes"): _sqlite_load_indexes,
}


def install():
    """Let indexes of different signatures share a key pattern (idempotent)."""
    if not engine_lock.available or any(original is None for original in _ORIGINALS.values()):
        return
    engine_lock.install()
    layers.replace(_ORIGINALS, _SHIMMED)


def uninstall():
    layers.restore(_ORIGINALS)
