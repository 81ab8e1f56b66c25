"""Inserts whose cost does not grow with the collection (deviation "insert-cost-grows-with-collection").

MongoDB finds a duplicate `_id` with one lookup in the `_id` index, so an insert costs the same
whatever the collection's size. mongoeco 4.11's in-memory engine has no such index: each insert
compares the new `_id` with every stored one (its storage keys tell `1` from `1.0` and
`Int64(1)`, which MongoDB counts as the same `_id`), and the wire server runs an `insert`
command as one engine write per document. Filling a collection is therefore quadratic: 2,000
documents take tens of seconds, and a batch of a few thousand outlasts pymongo's heartbeat.

Two changes, inside the embedded server only:

- An index of the stored `_id`s by BSON equality (the key mongoeco's own scan compares) answers
  the duplicate check. It is kept per version of a collection's key set: mongoeco's collections
  are persistent maps whose key-order map (``MemoryCollection._ordinals``) is replaced, never
  changed, whenever a key is added or removed (and only then), so an index remembered for one
  such map is exact for it, whatever happened since (deletes, rollbacks, transactions' views).
  A collection met in any other state is indexed afresh, once. When the check finds a
  duplicate, the write goes through mongoeco's own path, which rejects it exactly as before.
- The `insert` command hands its documents to the engine in batch writes (mongoeco's
  ``insert_many``) of at most CHUNK documents, which keeps MongoDB's ordered/unordered
  semantics and per-document write errors; anything the batch path refuses before writing
  goes through the per-document path. CHUNK stays well below the 10,000 change events
  mongoeco's change log holds: a write that commits more at once strands the engine's change
  consumer (deviation "change-log-overflow": change streams fail from then on, and every later
  write copies the whole log).

The `_id` check runs under the collection's write lock (engine_lock.holding), together with
the write it vouches for. The SQLite engine (``embedded:///dir``) keeps its own per-insert check;
it gets the batched command only. mongoeco has no hook for either, so the shim wraps its
methods and stands down if mongoeco renames them.
"""

import contextvars
import threading
from collections import OrderedDict

import mongoeco.engines.memory as memory_engine
from mongoeco.api._async import _database_admin_write_commands as write_commands
from mongoeco.core.bson_ordering import bson_equality_key
from mongoeco.core.identity import is_valid_root_document_id
from mongoeco.engines._memory_collection import MemoryCollection
from mongoeco.errors import BulkWriteError
from mongoeco.types import WriteCommandResult, WriteErrorEntry

from djongo_core.embedded.shims import engine_lock, layers

_Commands = write_commands.DatabaseAdminWriteCommandService
_Engine = memory_engine.MemoryEngine
_ORIGINALS = layers.originals(
    (_Engine, "_insert_documents_impl"),
    (_Engine, "_ensure_unique_indexes"),
    (memory_engine, "id_contains_numeric_value"),
    (_Commands, "command_insert"),
)
_write_command_result = getattr(write_commands, "_write_command_result", None)
# Set while mongoeco writes a batch whose `_id`s this shim has already found unique.
_IDS_CHECKED = contextvars.ContextVar("djongo_insert_ids_checked", default=False)
# Key-order maps remembered at once: a few collections being filled side by side.
_REMEMBERED = 64
# Documents per engine write of an insert command: each write commits its documents' change
# events at once, and mongoeco's change log holds 10,000 of them (see the module's docstring).
CHUNK = 1_000


class _StoredIds:
    """The BSON-equality keys of a collection's `_id`s, per version of its key set."""

    def __init__(self):
        self._entries = OrderedDict()   # id(key-order map) -> (that map, set of keys)
        self._lock = threading.Lock()

    def take(self, engine, collection):
        """The keys of collection's `_id`s, the caller's to change (computed if not remembered)."""
        version = collection._ordinals
        with self._lock:
            entry = self._entries.pop(id(version), None)
        if entry is not None and entry[0] is version:
            return entry[1]
        keys = set()
        for data in collection.values():
            document = engine._borrow_storage_document(data)
            if "_id" in document:
                keys.add(bson_equality_key(document["_id"]))
        return keys

    def keep(self, collection, keys):
        """Remember keys as exactly those of collection's current `_id`s."""
        if len(keys) != len(collection):
            return   # something else changed it meanwhile (an expired document purged)
        version = collection._ordinals
        with self._lock:
            self._entries[id(version)] = (version, keys)   # the map kept alive: its id stays its own
            while len(self._entries) > _REMEMBERED:
                self._entries.popitem(last=False)


_stored_ids = _StoredIds()


def _stored_collection(engine, session, db_name, coll_name):
    collection = engine._storage_view(session).get(db_name, {}).get(coll_name)
    return collection if isinstance(collection, MemoryCollection) else None


async def _insert_documents(self, db_name, coll_name, documents, overwrite=False, *,
                            context=None, operation_context=None, **options):
    original = _ORIGINALS[_Engine, "_insert_documents_impl"]

    def write():
        return original(self, db_name, coll_name, documents, overwrite, context=context,
                        operation_context=operation_context, **options)

    if overwrite or not all(isinstance(document, dict) and "_id" in document
                            for document in documents):
        return await write()
    session = operation_context.session if operation_context is not None else context
    async with engine_lock.holding(self, db_name, coll_name):
        stored = _stored_collection(self, session, db_name, coll_name)
        ids = set() if stored is None else _stored_ids.take(self, stored)
        new = [bson_equality_key(document["_id"]) for document in documents]
        if not ids.isdisjoint(new) or len(set(new)) != len(new):
            if stored is not None:
                _stored_ids.keep(stored, ids)
            # A duplicate: mongoeco's own check finds and reports it, as MongoDB would.
            return await write()
        token = _IDS_CHECKED.set(True)
        try:
            results = await write()
        finally:
            _IDS_CHECKED.reset(token)
        stored = _stored_collection(self, session, db_name, coll_name)
        if stored is not None and len(results) == len(documents) and all(results):
            ids.update(new)
            _stored_ids.keep(stored, ids)
        return results


def _ensure_unique_indexes(self, *args, **kwargs):
    if _IDS_CHECKED.get():
        kwargs["scan_payload_id"] = False
    return _ORIGINALS[_Engine, "_ensure_unique_indexes"](self, *args, **kwargs)


def _id_contains_numeric_value(value):
    # Read by the engine's insert only to decide on its scans, which the index makes redundant.
    if _IDS_CHECKED.get():
        return False
    return _ORIGINALS[memory_engine, "id_contains_numeric_value"](value)


def _write_error(entry, offset):
    details = {key: value for key, value in entry.items()
               if key not in ("index", "errmsg", "code", "op")}
    return WriteErrorEntry(index=entry["index"] + offset, errmsg=entry["errmsg"],
                           code=entry.get("code"), details=details or None)


def _shifted(entry, offset):
    return WriteErrorEntry(index=entry.index + offset, errmsg=entry.errmsg, code=entry.code,
                           details=entry.details)


async def _command_insert(self, spec, *, session=None):
    original = _ORIGINALS[_Commands, "command_insert"]
    documents = spec.get("documents")
    if not (isinstance(documents, list) and len(documents) > 1
            and all(isinstance(document, dict) and "_id" in document
                    and is_valid_root_document_id(document["_id"]) for document in documents)):
        return await original(self, spec, session=session)
    admin = self._admin
    collection_name = admin._require_collection_name(spec.get("insert"), "insert")
    documents = admin._normalize_insert_documents(documents)
    ordered = admin._normalize_ordered_from_command(spec.get("ordered"))
    bypass = write_commands.command_boolean(
        spec.get("bypassDocumentValidation", False), "bypassDocumentValidation", numeric=True)
    acknowledged = write_commands.write_command_acknowledged(
        spec, dialect=admin._mongodb_dialect.key)
    collection = admin._database.get_collection(collection_name)
    inserted, errors = 0, []
    for start in range(0, len(documents), CHUNK):
        try:
            result = await collection.insert_many(
                documents[start:start + CHUNK], ordered=ordered,
                bypass_document_validation=bypass, session=session)
        except BulkWriteError as error:
            inserted += error.details["nInserted"]
            errors += [_write_error(entry, start) for entry in error.details["writeErrors"]]
            if ordered and error.details["writeErrors"]:
                break
        except Exception:  # noqa: BLE001 - refused before writing (a failed batch is undone)
            # The rest, document by document, as mongoeco runs it (its indexes from `start`).
            rest = await original(self, {**spec, "documents": documents[start:]},
                                  session=session)
            inserted += rest.count
            errors += [_shifted(entry, start) for entry in rest.write_errors or ()]
            break
        else:
            inserted += len(result.inserted_ids)
    outcome = WriteCommandResult(count=inserted, write_errors=errors or None)
    return _write_command_result(outcome, acknowledged=acknowledged)


_SHIMMED = {
    (_Engine, "_insert_documents_impl"): _insert_documents,
    (_Engine, "_ensure_unique_indexes"): _ensure_unique_indexes,
    (memory_engine, "id_contains_numeric_value"): _id_contains_numeric_value,
    (_Commands, "command_insert"): _command_insert,
}


def _complete():
    return (engine_lock.available and _write_command_result is not None
            and all(original is not None for original in _ORIGINALS.values())
            and hasattr(MemoryCollection(), "_ordinals"))


def install():
    """Check `_id`s through the index and batch insert commands (idempotent)."""
    if not _complete():
        return
    engine_lock.install()
    layers.replace(_ORIGINALS, _SHIMMED)


def uninstall():
    layers.restore(_ORIGINALS)
