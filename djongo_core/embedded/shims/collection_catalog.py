"""In-place changes to a collection's options and to an index's settings, in both of mongoeco's
engines (for the collMod shim, djongo_core/embedded/shims/collmod.py).

mongoeco 4.11 keeps a collection's options (its validator among them) and its index records in
each engine's catalog, but offers no call that changes them after creation. Copying the
collection into a new one would cost a full rewrite (inserts are slow on the embedded engine:
deviation "insert-cost-grows-with-collection") and change its identity, so these functions edit
the catalog where each engine keeps it, the way the engine's own create_collection and
rename_collection do:

- in-memory engine: under the collection's lock, as a published change (so that a transaction
  that started before and wrote since fails its commit with a write conflict instead of
  restoring the old options); the options dictionary and the index record are replaced, never
  mutated, because transactions hold copies of the containers only;
- SQLite engine: in one write transaction on the engine's connection, in its worker thread,
  then the engine's index-catalog and collection-feature caches are invalidated.

A TTL index keeps each document's expiry time next to the index (memory: in the index's map;
SQLite: in ttl_index_entries), so a new expireAfterSeconds rebuilds those from the documents.
"""

import dataclasses
from copy import deepcopy

from mongoeco._types.indexes import is_ordered_index_spec
from mongoeco.core.json_compat import json_dumps_compact
from mongoeco.engines._sqlite_write_scope import sqlite_write_scope
from mongoeco.engines.memory import MemoryEngine
from mongoeco.engines.sqlite import SQLiteEngine

from djongo_core.embedded.shims import option_values


def knows(engine):
    """Return whether this module can change the catalog of ``engine``."""
    return isinstance(engine, MemoryEngine | SQLiteEngine)


async def set_collection_options(engine, db_name, coll_name, options):
    """Replace the options of an existing collection with ``options`` (``engine`` is one this
    module knows)."""
    if isinstance(engine, MemoryEngine):
        await _memory_set_options(engine, db_name, coll_name, options)
    else:
        await engine._run_blocking(_sqlite_set_options, engine, db_name, coll_name, options)


async def set_index_settings(engine, db_name, coll_name, index_name, *, hidden,
                             expire_after_seconds):
    """Give an existing index these hidden and expireAfterSeconds settings (None: no TTL)."""
    if isinstance(engine, MemoryEngine):
        await _memory_set_index(engine, db_name, coll_name, index_name, hidden,
                                expire_after_seconds)
    else:
        await engine._run_blocking(_sqlite_set_index, engine, db_name, coll_name, index_name,
                                   hidden, expire_after_seconds)


# The in-memory engine.


async def _memory_set_options(engine, db_name, coll_name, options):
    async with engine._get_lock(db_name, coll_name):
        store = engine._collection_options_view(None)
        with engine._publication_scope(engine._storage_view(None),
                                       touched_namespaces={(db_name, coll_name)}):
            engine._register_collection_locked(
                db_name, coll_name, collections=engine._collections_view(None),
                collection_options=store)
            store[db_name][coll_name] = deepcopy(options)


async def _memory_set_index(engine, db_name, coll_name, index_name, hidden,
                            expire_after_seconds):
    async with engine._get_lock(db_name, coll_name):
        storage = engine._storage_view(None)
        indexes = engine._indexes_view(None).get(db_name, {}).get(coll_name, [])
        position, record = next((position, record) for position, record in enumerate(indexes)
                                if record.name == index_name)
        changed = dataclasses.replace(record, hidden=hidden,
                                      expire_after_seconds=expire_after_seconds)
        with engine._publication_scope(storage, touched_namespaces={(db_name, coll_name)}):
            indexes[position] = changed
            # As create_index does: only ordered indexes keep a map (and expiry times).
            if (expire_after_seconds != record.expire_after_seconds
                    and is_ordered_index_spec(record.key)):
                engine._rebuild_index_data_locked(
                    db_name, coll_name, changed,
                    index_data_view=engine._index_data_view(None), storage_view=storage)


# The SQLite engine (these run in its worker thread).


def _write_scope(engine, conn):
    """One write transaction on the engine's connection, as its own catalog changes use."""
    return sqlite_write_scope(
        conn,
        begin_write=lambda current: engine._begin_write(current, None),
        commit_write=lambda current: engine._commit_write(current, None),
        rollback_write=lambda current: engine._rollback_write(current, None),
    )


def _sqlite_set_options(engine, db_name, coll_name, options):
    with engine._lock:
        conn = engine._require_connection(None)
        with _write_scope(engine, conn):
            engine._ensure_collection_row(conn, db_name, coll_name)
            # Stored as the engine stores the options of a new collection, BSON numbers
            # tagged by its codec (option_values.py).
            conn.execute(
                "UPDATE collections SET options_json = ? WHERE db_name = ? AND coll_name = ?",
                (json_dumps_compact(option_values.encoded(options), sort_keys=True), db_name,
                 coll_name),
            )
        engine._invalidate_collection_features_cache(db_name, coll_name)


def _sqlite_set_index(engine, db_name, coll_name, index_name, hidden, expire_after_seconds):
    with engine._lock:
        conn = engine._require_connection(None)
        try:
            with _write_scope(engine, conn):
                before = _sqlite_index(engine, db_name, coll_name, index_name)
                conn.execute(
                    """
                    UPDATE indexes SET hidden_flag = ?, expire_after_seconds = ?
                    WHERE db_name = ? AND coll_name = ? AND name = ?
                    """,
                    (1 if hidden else 0, expire_after_seconds, db_name, coll_name, index_name),
                )
                engine._mark_index_metadata_changed(db_name, coll_name)
                if expire_after_seconds != before.expire_after_seconds:
                    changed = _sqlite_index(engine, db_name, coll_name, index_name)
                    documents = list(engine._load_documents(db_name, coll_name))
                    for storage_key, document in documents:
                        engine._replace_ttl_entry_for_index_for_document(
                            conn, db_name, coll_name, storage_key, document, changed)
        finally:
            # Also after a rollback: the catalog read inside the transaction is stale then.
            engine._mark_index_metadata_changed(db_name, coll_name)
            engine._invalidate_collection_features_cache(db_name, coll_name)


def _sqlite_index(engine, db_name, coll_name, index_name):
    return next(record for record in engine._load_indexes(db_name, coll_name)
                if record.name == index_name)
