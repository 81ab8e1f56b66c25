"""Integer primary keys from atomic counters in the `__schema__` collection.

MongoDB has no auto-increment, so each collection with an integer AutoField has a counter document
in the shape the original djongo documented, which keeps databases made by it working:

    {"name": "<collection>", "auto": {"field_names": ["id"], "seq": <last value handed out>}}

Values are reserved with one atomic `$inc`, a whole bulk_create batch at once, so concurrent
processes never receive the same value.
"""

from pymongo import ReturnDocument

from djongo_core.command import Command

SCHEMA_COLLECTION = "__schema__"


# The entry may exist before its counter does (it also holds the declared fields, catalog.py),
# so the counter's field names are set on every write rather than only on insert.


class CounterAllocator:
    """Reserve and repair the auto-increment counters of one database."""

    def __init__(self, executor):
        self.executor = executor

    def reserve(self, collection, column, count):
        """Reserve count consecutive values for collection and return them as a range."""
        counter = self.executor.run(Command(
            SCHEMA_COLLECTION,
            "find_one_and_update",
            ({"name": collection},
             {"$inc": {"auto.seq": count}, "$set": {"auto.field_names": [column]}}),
            {"upsert": True, "return_document": ReturnDocument.AFTER,
             "projection": {"_id": 0, "auto.seq": 1}},
        ))
        last = counter["auto"]["seq"]
        return range(last - count + 1, last + 1)

    def raise_to(self, collection, column, value):
        """Make sure the counter is at least value; a counter is never lowered."""
        self.executor.run(raise_command(collection, column, value))

    def highest_id(self, collection):
        """Return the largest numeric _id stored in collection, or 0 when there is none."""
        documents = list(self.executor.documents(Command(
            collection,
            "find",
            # Only numbers: documents adopted from elsewhere may carry ObjectId or string ids,
            # which sort above numbers and would hide the numeric maximum.
            ({"_id": {"$type": "number"}}, {"_id": 1}),
            {"sort": [("_id", -1)], "limit": 1},
        )))
        return documents[0]["_id"] if documents else 0

    def heal(self, collection, column):
        """Raise a stale counter past the highest id in the collection (after a duplicate key)."""
        self.raise_to(collection, column, self.highest_id(collection))


def raise_command(collection, column, value):
    """The update that creates a counter or raises it to value; $max never lowers it."""
    return Command(
        SCHEMA_COLLECTION,
        "update_one",
        ({"name": collection},
         {"$max": {"auto.seq": value}, "$set": {"auto.field_names": [column]}}),
        {"upsert": True},
    )
