"""Updates under a unique index that do not ask the whole collection about arrays again
(deviation "unique-check-scans-the-collection", its array part).

MongoDB keys a unique index on each element of an array, so a stored ``code: ["a", "b"]``
makes a later ``code: "b"`` a duplicate. mongoeco's SQLite engine (``embedded:///dir``) checks
a written document against a unique index through its table of scalar index entries, which
holds no array elements; so before each check it asks whether any stored document has an array
on the index's path (``SQLiteEngine._field_is_top_level_array_in_collection`` and
``_field_traverses_array_in_collection``: a query testing every stored document), and if one
has, it compares the document with every stored one instead. It caches the answer, but every
write clears the cache, so every updated document pays the query again: a cost that grows
with the collection (updates of strings under a unique index: 3.9 ms each at 2,000 stored
documents, 5.8 ms at 8,000; 2.8 ms without the query).

A write can only add an array to the collection through the document it writes: replacing or
deleting a document takes arrays away, never adds one. So the answer "no stored document has
an array on this path", true before an update, is still true after it when the updated
document (mongoeco's ``after_document``: the new version, the upserted or the replacement
document) has no array on the path (mongoeco derives that document's index entries from it
too, also where it writes the stored JSON by SQL). The shim notes the "no array" answers the
cache holds when the update clears it (those of the state before the write, some computed by
the update's own unique check) and puts them back after the update, under the engine's lock
(held by the update itself), and
lets the clearing happen as before otherwise: an update that writes an array on the path, an
update that fails (its rollback clears every cache, as mongoeco does), any other kind of write
or a path it cannot follow for certain (a value other than a sub-document or a plain JSON
scalar on the way, e.g. a DBRef). A "yes" is never kept: mongoeco asks again, as before. A
transaction's abort, a disconnect, index, rename and drop operations clear the cache as before.

mongoeco has no hook for this, so the shim wraps ``SQLiteEngine._update_with_operation_sync``
and ``_invalidate_collection_features_cache``, and stands down if one of them, or the engine's
feature cache, is gone.
"""

import threading

from mongoeco.engines.sqlite import SQLiteEngine

from djongo_core.embedded.shims import layers

_ORIGINALS = layers.originals(
    (SQLiteEngine, "_update_with_operation_sync"),
    (SQLiteEngine, "_invalidate_collection_features_cache"),
)
# mongoeco's cache keys for "a stored document has an array on <field>" (the third part of
# (db, collection, key); the field follows the prefix).
_ARRAY_FEATURES = ("top_level_array:", "traverses_array:")
_PLAIN_SCALARS = (str, int, float, bool, type(None))
# The update under way in this thread (mongoeco runs it in an executor thread, under its lock).
_current = threading.local()


class _Update:
    """The "no array" answers the cache held for the updated collection when the update
    cleared it (the answers of the state before the write, some computed by the update's own
    unique check)."""

    def __init__(self, engine, db_name, coll_name):
        self.engine, self.namespace = engine, (db_name, coll_name)
        self.answers = {}       # cache key -> field
        self.spoiled = False    # the whole cache cleared meanwhile (a rollback): keep nothing

    def clearing(self, db_name, coll_name):
        if db_name is None or coll_name is None:
            self.spoiled = True
        elif (db_name, coll_name) == self.namespace:
            self.answers.update(
                (key, key[2].split(":", 1)[1])
                for key, answer in self.engine._collection_features_cache.items()
                if key[:2] == self.namespace and answer is False
                and key[2].startswith(_ARRAY_FEATURES))

    def keep(self, outcome):
        """Put the answers back if the write added no array on their paths."""
        if self.spoiled or not self.answers:
            return
        written = getattr(outcome, "after_document", None)
        if written is None:
            result = getattr(outcome, "result", None)
            # Nothing written (no match, no upsert), or an outcome not understood: keep nothing.
            if result is None or getattr(result, "modified_count", 1) \
                    or getattr(result, "did_upsert", True):
                return
            written = {}
        if not isinstance(written, dict):
            return
        cache = self.engine._collection_features_cache
        for key, field in self.answers.items():
            if _array_free(written, field):
                cache.setdefault(key, False)


def _array_free(document, field):
    """Whether document certainly holds no array anywhere on field's path (False if unsure)."""
    value = document
    for part in field.split("."):
        if isinstance(value, (list, tuple)):
            return False
        if isinstance(value, _PLAIN_SCALARS):
            return True   # the path ends here: nothing below a string or a number
        if type(value) is not dict:
            return False  # a DBRef, a tagged value...: its stored form is not followed here
        if part not in value:
            return True
        value = value[part]
    return not isinstance(value, (list, tuple))


def _invalidate_collection_features_cache(self, db_name=None, coll_name=None):
    update = getattr(_current, "update", None)
    if update is not None and update.engine is self:
        update.clearing(db_name, coll_name)
    return _ORIGINALS[SQLiteEngine, "_invalidate_collection_features_cache"](
        self, db_name, coll_name)


def _update_with_operation_sync(self, db_name, coll_name, *args, **kwargs):
    run = _ORIGINALS[SQLiteEngine, "_update_with_operation_sync"]
    outer = getattr(_current, "update", None)
    if outer is not None:
        # An update inside another (mongoeco makes none today): the outer one keeps nothing.
        outer.spoiled = True
        return run(self, db_name, coll_name, *args, **kwargs)
    with self._lock:   # re-entrant: the update takes it too; nothing else writes meanwhile
        _current.update = update = _Update(self, db_name, coll_name)
        try:
            outcome = run(self, db_name, coll_name, *args, **kwargs)
        finally:
            _current.update = None
        # Only after a write that went through: a failed one was rolled back (and a
        # rollback clears the whole cache, which spoils the answers anyway).
        update.keep(outcome)
        return outcome


_SHIMMED = {
    (SQLiteEngine, "_update_with_operation_sync"): _update_with_operation_sync,
    (SQLiteEngine, "_invalidate_collection_features_cache"):
        _invalidate_collection_features_cache,
}


def install():
    """Keep a collection's "no array" answers through updates that add none (idempotent)."""
    if not hasattr(SQLiteEngine, "_collection_features_cache"):
        return
    layers.replace(_ORIGINALS, _SHIMMED)


def uninstall():
    layers.restore(_ORIGINALS)
