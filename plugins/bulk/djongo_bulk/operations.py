"""The writes a block queues, and how the ORM's commands become them.

The ORM's write commands arrive whole (djongo_intercept_command): an `insert_one`/`insert_many`
of the documents to store, an `update_many` or `delete_many` with its filter. Each becomes one
or more queued operations, in MongoDB's bulk vocabulary (`insertOne`, `updateOne`,
`updateMany`, `replaceOne`, `deleteOne`, `deleteMany`), and is sent later as a pymongo request.
Anything else is not queued: the block sends what it holds first, and the command runs.
"""

from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId
from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne

REQUEST_CLASSES = {"insertOne": InsertOne, "updateOne": UpdateOne, "updateMany": UpdateMany,
                   "replaceOne": ReplaceOne, "deleteOne": DeleteOne, "deleteMany": DeleteMany}
#: Options of the ORM's update_many/delete_many a queued request can carry.
REQUEST_OPTIONS = {"collation"}
#: Commands that only read; a read of a collection with queued writes sends them first.
READS = {"find", "find_one", "aggregate", "count_documents", "estimated_document_count",
         "distinct"}


@dataclass(eq=False)
class Operation:
    """One write waiting in a bulk_writes() block (or in a bulk_write() call)."""

    #: MongoDB's name of the request: insertOne, updateOne, updateMany, replaceOne,
    #: deleteOne or deleteMany.
    kind: str
    #: The model whose collection it writes to.
    model: Any
    collection: str
    #: The query document of an update, replace or delete.
    filter: dict | None = None
    #: The document of an insert, the update (a document or a pipeline), the replacement.
    document: Any = None
    upsert: bool = False
    collation: dict | None = None
    #: The model instance it writes, when the ORM said which (save(), create(), Insert()).
    obj: Any = None
    #: A save() of an object Django knows as stored: matching no document is an error.
    must_match: bool = False
    #: What queued it: "save()", "QuerySet.update()", "delete()"... or the bulk_write()
    #: operation (Insert, Update...) it was compiled from.
    source: Any = None
    #: Its position in the batch it was sent in (set when queued).
    index: int = field(default=-1)

    def request(self, namespace=None):
        """Return the pymongo request; with a namespace ("db.collection") for a client-level
        bulk write."""
        request_class = REQUEST_CLASSES[self.kind]
        options = {"namespace": namespace} if namespace else {}
        if self.collation:
            options["collation"] = self.collation
        if self.kind == "insertOne":
            return InsertOne(self.document, **options)
        if self.kind in ("updateOne", "updateMany", "replaceOne"):
            if self.upsert:
                options["upsert"] = True
            return request_class(self.filter, self.document, **options)
        return request_class(self.filter, **options)

    @property
    def pk(self):
        """The stored key of the document written, when one is known."""
        if self.kind == "insertOne":
            return self.document.get("_id")
        if self.filter and set(self.filter) == {"_id"} and not isinstance(self.filter["_id"], dict):
            return self.filter["_id"]
        return None

    def describe(self) -> str:
        """Say what the operation is: "#2 insertOne of shop.Product 3 (save())"."""
        label = self.model._meta.label if self.model is not None else self.collection
        what = f" {self.pk!r}" if self.pk is not None else f" matching {self.filter}"
        if self.kind == "insertOne" and self.pk is None:
            what = ""
        source = f" ({self.source})" if isinstance(self.source, str) else ""
        return f"#{self.index} {self.kind} of {label}{what}{source}"


class QueuedWrite:
    """What the ORM is told of a write the block queued (djongo_intercept_command's answer).

    The server's counts come with the flush (the block's `result`); until then an update or a
    delete reports the documents its filter names by primary key (a save() updates its own
    document: 1), and 0 for any other filter.
    """

    acknowledged = False

    def __init__(self, count=0, inserted_ids=()):
        self.matched_count = self.modified_count = self.deleted_count = count
        self.inserted_ids = list(inserted_ids)
        self.inserted_id = self.inserted_ids[0] if self.inserted_ids else None
        self.upserted_id = None
        self.upserted_ids = {}


def named_keys(query):
    """Return how many documents a filter names by _id, 0 when it is no filter by _id."""
    if not isinstance(query, dict) or set(query) != {"_id"}:
        return 0
    key = query["_id"]
    if not isinstance(key, dict):
        return 1
    if set(key) == {"$in"} and isinstance(key["$in"], list):
        try:
            return len(set(key["$in"]))
        except TypeError:  # unhashable keys: documents as keys
            return len(key["$in"])
    return 0


def with_key(document):
    """Give a document the key the server would give it on insert, now (ObjectId keys)."""
    if "_id" not in document:
        # pymongo adds an ObjectId to a document without _id when it sends it; the ORM reads
        # the key back from the document, so the block does the same when it queues it.
        document["_id"] = ObjectId()
    return document


def collections_read(command):
    """Return the collections a read command reads: its own and those its pipeline joins."""
    names = set()
    if command.collection is not None:
        names.add(command.collection)
    for argument in command.args:
        _joined(argument, names)
    return names


def _joined(value, names):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("$lookup", "$graphLookup") and isinstance(item, dict):
                if isinstance(item.get("from"), str):
                    names.add(item["from"])
            elif key == "$unionWith":
                names.add(item if isinstance(item, str) else item.get("coll"))
            _joined(item, names)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _joined(item, names)
