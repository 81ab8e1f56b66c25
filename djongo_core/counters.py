"""Integer primary keys from atomic counters in the `__schema__` collection.

MongoDB has no auto-increment, so each collection with an integer AutoField has a counter document
in the shape the original djongo documented, which keeps databases made by it working:

    {"name": "<collection>", "auto": {"field_names": ["id"], "seq": <last value handed out>}}

Values are reserved with one atomic `$inc`, a whole bulk_create batch at once, so concurrent
processes never receive the same value.

Healing follows only the whole-number ids the field can hold: a document imported with a float
`_id` or one at the top of the range (2**63 - 1) would otherwise push the counter where `$inc`
overflows or hands out floats, and stop every later create. A counter found there is put back
under the stored ids; when no value is left below the field's largest, the insert is refused
with the fix.

With the database setting COUNTER_CACHE = N (default 1: off), a connection draws N values per
counter call and hands them out from memory, as a PostgreSQL sequence with CACHE N does: one
counter command per N creates instead of one per create. Each draw is still one atomic `$inc`,
so no two connections (threads, processes, machines) ever hold the same value; the price is
the same as PostgreSQL's: ids from different connections interleave out of creation order, and
values a connection drew and did not hand out before it closed are never used (gaps).
"""

from contextlib import contextmanager

from django.db import DataError, DatabaseError
from pymongo import ReturnDocument
from pymongo.errors import OperationFailure

from djongo_core.command import Command

SCHEMA_COLLECTION = "__schema__"
#: The largest id a counter hands out unless the field says less (BSON's int64).
LARGEST_ID = 2**63 - 1


# The entry may exist before its counter does (it also holds the declared fields, catalog.py),
# so the counter's field names are set on every write rather than only on insert.


class CounterAllocator:
    """Reserve and repair the auto-increment counters of one database."""

    def __init__(self, executor, cache=1):
        self.executor = executor
        # The fewest values one counter call draws (None: exactly what is asked): COUNTER_CACHE,
        # raised by reserving_ahead() while its block lasts. Per collection, the values drawn
        # and not handed out yet.
        self._ahead_size = cache if cache > 1 else None
        self._in_block = False
        self._ahead = {}

    @contextmanager
    def reserving_ahead(self, size):
        """Within the block, draw at least `size` values per counter call and hand them out
        from memory, so that many single inserts cost one counter call.

        At the end, the values not handed out go back to their counter when no other process
        drew from it since (the counter still holds the last value drawn); otherwise they stay
        unused, a gap as a SQL sequence's cache leaves one. Nested blocks share the outer one.
        Under COUNTER_CACHE the block draws at least its own size and leaves the values it did
        not hand out to the connection's cache.
        """
        if self._in_block:
            yield
            return
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"reserving_ahead() needs a positive number of values, not {size!r}.")
        cached = self._ahead_size
        self._in_block, self._ahead_size = True, max(size, cached or 0)
        try:
            yield
        finally:
            self._in_block, self._ahead_size = False, cached
            if cached is None:
                self._give_back()

    def _give_back(self):
        """Return the values drawn ahead and not handed out to their counters, where no other
        connection drew since, and forget them."""
        pools, self._ahead = self._ahead, {}
        for collection, pool in pools.items():
            unused = [value for value in pool.values if value >= pool.first]
            if not unused:
                continue
            try:
                self.executor.run(give_back_command(collection, len(unused), pool.last)
                                  .replaced(model=pool.model))
            except DatabaseError:
                # The connection cannot run it now (a broken atomic block, a lost
                # server): the values stay unused, which is harmless.
                pass

    def forget_ahead(self):
        """Drop the values drawn ahead and not handed out (a rollback undid the draws that a
        transaction made, so the counter may hand them out again)."""
        for pool in self._ahead.values():
            pool.values, pool.first, pool.last = [], None, None

    def reserve(self, collection, column, count, largest=LARGEST_ID, model=None):
        """Reserve count values for collection and return them, in increasing order (a range
        unless reserving_ahead() joined a rest of one call to the next).

        largest: the largest value the field holds. model: the model the values are for, named
        in errors; its counter commands carry it (the executor gives them the model's write
        concern, MODEL_OPTIONS)."""
        if self._ahead_size is None:
            return self._draw(collection, column, count, largest, model)
        pool = self._ahead.get(collection)
        if pool is None or pool.column != column:
            pool = self._ahead[collection] = _Pool(column, model)
        if len(pool.values) < count:
            drawn = self._draw(collection, column, max(count - len(pool.values), self._ahead_size),
                               largest, model)
            # Values left from the previous draw are handed out first; the new draw's are the
            # ones that can go back to the counter at the end.
            pool.values = [*pool.values, *drawn]
            pool.first, pool.last = drawn[0], drawn[-1]
        handed, pool.values = pool.values[:count], pool.values[count:]
        return range(handed[0], handed[-1] + 1) if _consecutive(handed) else handed

    def _draw(self, collection, column, count, largest=LARGEST_ID, model=None):
        try:
            last = self._increment(collection, column, count, model)
        except DatabaseError as error:
            # $inc overflows when the counter stands at the top of int64 (healed past an
            # imported id there before this check existed); any other failure is raised.
            if not self._at_top(collection, count, error, model):
                raise
            last = None
        if not _usable(last, largest):
            self._put_back(collection, column, count, largest, model)
            last = self._increment(collection, column, count, model)
            if not _usable(last, largest):
                raise _exhausted(collection, largest, model)
        return range(last - count + 1, last + 1)

    def _at_top(self, collection, count, error, model):
        """Whether a failed $inc found the counter too close to int64's top to add count."""
        if not isinstance(error.__cause__, OperationFailure):
            return False  # the server was not reached, or the command never ran
        found = list(self.executor.documents(Command(
            SCHEMA_COLLECTION, "find", ({"name": collection}, {"_id": 0, "auto.seq": 1}),
            {"limit": 1}, model=model)))
        seq = found[0].get("auto", {}).get("seq") if found else None
        return isinstance(seq, int) and seq > LARGEST_ID - count

    def _put_back(self, collection, column, count, largest, model):
        """Set a counter past repair (a float, beyond the field's largest) to the highest id."""
        highest = self.highest_id(collection, largest)
        if highest > largest - count:
            raise _exhausted(collection, largest, model)
        self.executor.run(Command(
            SCHEMA_COLLECTION, "update_one",
            ({"name": collection}, {"$set": {"auto.seq": highest, "auto.field_names": [column]}}),
            {"upsert": True},
            model=model,
        ))

    def _increment(self, collection, column, count, model):
        counter = self.executor.run(Command(
            SCHEMA_COLLECTION,
            "find_one_and_update",
            ({"name": collection},
             {"$inc": {"auto.seq": count}, "$set": {"auto.field_names": [column]}}),
            {"upsert": True, "return_document": ReturnDocument.AFTER,
             "projection": {"_id": 0, "auto.seq": 1}},
            model=model,
        ))
        return counter["auto"]["seq"]

    def raise_to(self, collection, column, value, model=None):
        """Make sure the counter is at least value; a counter is never lowered."""
        self.executor.run(raise_command(collection, column, value).replaced(model=model))

    def highest_id(self, collection, largest=LARGEST_ID):
        """Return the largest whole-number _id up to ``largest`` stored in collection, or 0."""
        documents = list(self.executor.documents(Command(
            collection,
            "find",
            # Only whole numbers the field holds: documents adopted from elsewhere may carry
            # ObjectId or string ids, which sort above numbers and would hide the numeric
            # maximum, or float ids and ids beyond the field, which the counter cannot follow.
            ({"_id": {"$type": ["int", "long"], "$lte": largest}}, {"_id": 1}),
            {"sort": [("_id", -1)], "limit": 1},
        )))
        return documents[0]["_id"] if documents else 0

    def restart(self, collections):
        """Start the counters of collections again from 1 (a flush, a sequence reset by name):
        the next value each hands out is 1, as a restarted SQL sequence's."""
        for collection in collections:
            self._ahead.pop(collection, None)
        self.executor.run(restart_command(collections))

    def heal(self, collection, column, largest=LARGEST_ID, model=None):
        """Raise a stale counter past the highest id in the collection (after a duplicate key)."""
        # Values drawn ahead came from the stale counter: they may be taken too.
        self._ahead.pop(collection, None)
        self.raise_to(collection, column, self.highest_id(collection, largest), model)


class _Pool:
    """Values of one counter drawn ahead and not handed out yet."""

    def __init__(self, column, model):
        self.column = column
        self.model = model
        self.values = []
        # The latest draw: only its values can go back to the counter.
        self.first = self.last = None


def _usable(value, largest):
    return isinstance(value, int) and not isinstance(value, bool) and value <= largest


def _exhausted(collection, largest, model):
    owner = f"model {model._meta.label}" if model is not None else f"collection {collection!r}"
    return DataError(
        f"No id is left for {owner}: its counter has reached {largest}, the largest value its "
        "primary key holds, or the collection stores an id there. Make the primary key a "
        "BigAutoField (DEFAULT_AUTO_FIELD or the model's own) and migrate, or remove the "
        f"documents with the largest ids and reset the counter (the {SCHEMA_COLLECTION!r} "
        f"entry named {collection!r})."
    )


def _consecutive(values):
    return values[-1] - values[0] == len(values) - 1


def give_back_command(collection, count, last):
    """The update that returns the last `count` values drawn to the counter, when it still
    holds the last value drawn (no other process drew since); otherwise it changes nothing."""
    return Command(
        SCHEMA_COLLECTION,
        "update_one",
        ({"name": collection, "auto.seq": last}, {"$inc": {"auto.seq": -count}}),
    )


def raise_command(collection, column, value):
    """The update that creates a counter or raises it to value; $max never lowers it."""
    return Command(
        SCHEMA_COLLECTION,
        "update_one",
        ({"name": collection},
         {"$max": {"auto.seq": value}, "$set": {"auto.field_names": [column]}}),
        {"upsert": True},
    )


def restart_command(collections):
    """The update that removes the counters of collections (the next insert starts each again
    from 1); their entries keep the declared fields (catalog.py)."""
    return Command(
        SCHEMA_COLLECTION,
        "update_many",
        ({"name": {"$in": list(collections)}}, {"$unset": {"auto": ""}}),
    )
