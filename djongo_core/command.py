"""The unit of work between translation and execution: one call to pymongo.

The compiler and the schema editor build Commands; the executor runs them. Keeping the call as data
lets plugins inspect or rewrite it (translation hooks), wrap its execution (sessions, batching,
cursor options), and lets `connection.queries` show it as readable MQL.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from bson import json_util
from gridfs import GridFSBucket
from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne

# Shell-style rendering for connection.queries: relaxed extended JSON reads like mongosh input.
_JSON_OPTIONS = json_util.JSONOptions(json_mode=json_util.JSONMode.RELAXED)


@dataclass
class Command:
    """A pymongo method call on one collection (or on the database when collection is None, or
    on a GridFS bucket of it when bucket is set)."""

    collection: str | None
    operation: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Where the command comes from, for plugins wrapping djongo_execute: the model class whose
    # query, write, counter update in __schema__ or migration it serves (None for database-level
    # work: introspection of every collection...). Not part of the call: equal commands stay
    # equal.
    model: Any = field(default=None, compare=False, repr=False)
    # Another database of the same client (test databases are created and dropped this way);
    # None is the connection's own.
    database: str | None = None
    # Read/write concern and read preference the collection is given for this command
    # (djongo_core.concerns.Concerns): the model's MODEL_OPTIONS or a QuerySet's
    # with_concerns(), attached by the executor. None: the client's own.
    concerns: Any = field(default=None, compare=False, repr=False)
    # A GridFS bucket of the database (its name, "fs" by default): the command is then a
    # method of pymongo's GridFSBucket on it (djongo_core.files).
    bucket: str | None = None
    # select_for_update(): the documents the transaction must lock before this read runs
    # (djongo_core.row_locks). Set only when the transaction manager locks documents.
    lock: "DocumentLock | None" = field(default=None, compare=False, repr=False)

    def replaced(self, **changes):
        """Return a copy with some of its parts replaced (the origin is kept)."""
        return replace(self, **changes)

    def target(self, database, collections=None):
        """Return the pymongo object whose method runs this command.

        collections: a dict of database's pymongo Collections by name, to take the collection
        from (and keep it in) rather than build one per command."""
        if self.database is not None:
            database = database.client[self.database]
            collections = None  # the cache is the connection's own database's
        if self.bucket is not None:
            # Made for each command: a bucket is two collection objects, no I/O.
            return GridFSBucket(database, bucket_name=self.bucket)
        if self.collection is None:
            return database
        if collections is None:
            return database[self.collection]
        collection = collections.get(self.collection)
        if collection is None:
            collection = collections[self.collection] = database[self.collection]
        return collection

    def as_mql(self) -> str:
        """Return the command as mongosh-like text, e.g. db.books.find({"year": 1999})."""
        parts = [_render(arg) for arg in self.args]
        # Sessions and other driver objects are execution details, not part of the query.
        options = {k: v for k, v in self.kwargs.items() if k != "session"}
        if options:
            parts.append(_render(options))
        owner = "db" if self.database is None else f"db.getSiblingDB({_render(self.database)})"
        if self.bucket is not None:
            # mongosh has no GridFS API: the bucket is shown as pymongo names it.
            owner += f".gridfs({_render(self.bucket)})"
        elif self.collection is not None:
            owner += f".{self.collection}"
        return f"{owner}.{self.operation}({', '.join(parts)})"


@dataclass(frozen=True)
class DocumentLock:
    """What select_for_update() asks of the transaction manager for one read."""

    # The documents to lock: those of the read's collection this filter matches (the read's
    # own filter on its collection, before any join).
    filter: dict
    # nowait=True: fail at once when another transaction holds one of them, instead of waiting.
    nowait: bool = False
    # The read's collation, which the filter is matched under.
    collation: dict | None = None


def _render(value) -> str:
    try:
        return json_util.dumps(value, json_options=_JSON_OPTIONS, default=_shell_form)
    except (TypeError, ValueError):
        return repr(value)
    except RecursionError:
        # The command failed to encode for the same reason (errors.translated_errors); its
        # log entry must not hide that error behind a second one.
        return "<a value nested too deeply to show>"


def _shell_form(value):
    """Return what json_util cannot encode as mongosh writes it: bulk_write requests in the
    shape of bulkWrite(), anything else as its repr."""
    kind = _REQUEST_NAMES.get(type(value))
    if kind is None:
        # BSON types inside a request (an ObjectId filter) reach this function too: they keep
        # their extended JSON form.
        try:
            return json_util.default(value, json_options=_JSON_OPTIONS)
        except TypeError:
            return repr(value)
    # pymongo's request classes keep their parts in private attributes and have no accessor.
    request = {}
    if value._namespace is not None:
        # A client-level bulk write (MongoDB 8.0) names each request's collection.
        request["namespace"] = value._namespace
    if kind == "insertOne":
        request["document"] = value._doc
        return {kind: request}
    request["filter"] = value._filter
    if kind in ("updateOne", "updateMany"):
        request["update"] = value._doc
    elif kind == "replaceOne":
        request["replacement"] = value._doc
    if getattr(value, "_upsert", None):
        request["upsert"] = True
    if getattr(value, "_array_filters", None):
        request["arrayFilters"] = value._array_filters
    if value._collation:
        request["collation"] = value._collation
    if value._hint is not None:
        request["hint"] = value._hint
    return {kind: request}


_REQUEST_NAMES = {InsertOne: "insertOne", UpdateOne: "updateOne", UpdateMany: "updateMany",
                  ReplaceOne: "replaceOne", DeleteOne: "deleteOne", DeleteMany: "deleteMany"}
