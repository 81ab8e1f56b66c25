"""bulk_writes(): a block whose ORM writes are queued and sent together.

Inside the block the core offers every command to the plugin first (djongo_intercept_command).
The ORM's writes (`save()`, `create()`, `QuerySet.update()`, `delete()` with its cascades,
`bulk_create()`) are queued and answered at once; the queue is sent as one bulk write per
collection when it holds `batch_size` writes, when a read needs what it holds, before a
transaction boundary, and when the block ends.

What a write cannot know before the server answers is settled at the flush:

- `save()` of an object Django knows as stored (`_state.adding` False, or `update_fields`) is an
  `updateOne` by key; if it matched nothing the flush raises naming the key (Django would
  have inserted it; a queued update cannot).
- `save()` of a new object with a key given by hand (`Product(pk=7).save()`), which Django runs
  as UPDATE then INSERT if nothing matched, is one `updateOne` by key with `upsert`: the
  document is updated, or inserted with the save's values.
- New objects without a key get it at once: integer ids come from the counter, drawn
  `batch_size` at a time (`counters.reserving_ahead`); ObjectId keys are made on the client,
  as pymongo would.
"""

from weakref import WeakKeyDictionary

from django.db import NotSupportedError, connections
from django.db.models.signals import post_save, pre_save
from pymongo.results import InsertManyResult, InsertOneResult

from djongo_core.plugins import SCHEMA_COLLECTION
from djongo_bulk.operations import (
    READS, REQUEST_OPTIONS, Operation, QueuedWrite, collections_read, named_keys, with_key,
)
from djongo_bulk.results import BulkResult
from djongo_bulk.sending import send
from djongo_bulk.settings import is_batch_size, settings_of

#: The batches of each connection, innermost last: a block's, or bulk_write()'s while it
#: compiles its operations.
_batches = WeakKeyDictionary()


def current_batch(connection):
    """The batch queuing this connection's writes now, or None."""
    stack = _batches.get(connection)
    return stack[-1] if stack else None


class SaveInProgress:
    """A save() between its pre_save and post_save signals: the writes it makes are its own."""

    __slots__ = ("instance", "adding", "update_fields")

    def __init__(self, instance, adding, update_fields):
        self.instance = instance
        self.adding = adding
        self.update_fields = update_fields


class Batch:
    """The writes one connection's block queued and has not sent yet."""

    def __init__(self, connection, ordered, batch_size, autoflush, settings, capture=False):
        self.connection = connection
        self.ordered = ordered
        self.batch_size = batch_size
        self.autoflush = autoflush
        self.settings = settings
        #: bulk_write() compiling its operations: writes are collected, never sent here.
        self.capture = capture
        self.operations: list[Operation] = []
        #: What the flushes sent so far did.
        self.result = BulkResult()
        self.saves: list[SaveInProgress] = []
        self._sending = False

    # -- the ORM's commands (djongo_intercept_command) ---------------------------------------

    def intercept(self, command):
        """Queue a write and return what the ORM is told; flush first where the command needs
        it; None lets the command run."""
        if self._sending:
            return None
        taken = self._operations_of(command)
        if taken is not None:
            operations, answer = taken
            self._queue(operations)
            return answer
        if command.collection == SCHEMA_COLLECTION:
            return None  # counters and declared fields: nothing queued reads them
        if self.capture:
            if command.operation in READS:
                return None
            raise NotSupportedError(
                f"bulk_write() cannot hold {command.operation} on collection "
                f"{command.collection!r}; run it before or after the bulk write."
            )
        if command.operation in READS:
            if self.autoflush and self.operations and (
                collections_read(command) & {operation.collection for operation in self.operations}
            ):
                self.flush()
            return None
        # Any other command (a write the queue cannot hold, a schema change) runs after what
        # was queued before it.
        self.flush()
        return None

    def _operations_of(self, command):
        """Return (operations, answer) for a write the queue can hold, else None."""
        operation, args, kwargs = command.operation, command.args, command.kwargs
        model, collection = command.model, command.collection
        if collection is None or model is None:
            return None
        if operation == "insert_one" and not kwargs:
            document = with_key(args[0])
            return ([self._insert(model, collection, document)],
                    InsertOneResult(document["_id"], acknowledged=False))
        if operation == "insert_many" and set(kwargs) <= {"ordered"} and kwargs.get("ordered", True):
            # bulk_create(); with ignore_conflicts it is unordered and runs as it is.
            documents = [with_key(document) for document in args[0]]
            return ([self._insert(model, collection, document) for document in documents],
                    InsertManyResult([document["_id"] for document in documents],
                                     acknowledged=False))
        if operation == "update_many" and set(kwargs) <= REQUEST_OPTIONS:
            query, update = args
            save = self._save_of(model, query)
            if save is not None:
                upsert = save.adding and save.update_fields is None
                queued = Operation("updateOne", model, collection, query, update, upsert=upsert,
                                   collation=kwargs.get("collation"), obj=save.instance,
                                   must_match=not upsert, source="save()")
                return [queued], QueuedWrite(1)
            queued = Operation("updateMany", model, collection, query, update,
                               collation=kwargs.get("collation"), source="QuerySet.update()")
            return [queued], QueuedWrite(named_keys(query))
        if operation == "delete_many" and set(kwargs) <= REQUEST_OPTIONS:
            (query,) = args
            queued = Operation("deleteMany", model, collection, query,
                               collation=kwargs.get("collation"), source="delete()")
            return [queued], QueuedWrite(named_keys(query))
        return None

    def _insert(self, model, collection, document):
        save = self.saves[-1] if self.saves else None
        obj = None
        if save is not None and isinstance(save.instance, model):
            key = getattr(save.instance, model._meta.pk.attname)
            if key is None or self._stored_key(model, key) == document["_id"]:
                obj = save.instance
        return Operation("insertOne", model, collection, document=document, obj=obj,
                         source="save()" if obj is not None else "bulk_create()")

    def _save_of(self, model, query):
        """The save() in progress whose object's own document the update's filter names."""
        if not self.saves or set(query) != {"_id"}:
            return None
        save = self.saves[-1]
        if not isinstance(save.instance, model):
            return None
        key = getattr(save.instance, model._meta.pk.attname)
        return save if key is not None and self._stored_key(model, key) == query["_id"] else None

    def _stored_key(self, model, key):
        return model._meta.pk.get_db_prep_value(key, connection=self.connection)

    def _queue(self, operations):
        for operation in operations:
            operation.index = len(self.operations)
            self.operations.append(operation)
        if not self.capture and len(self.operations) >= self.batch_size:
            self.flush()

    # -- sending -------------------------------------------------------------------------------

    def flush(self):
        """Send what is queued: one bulk write per collection (or one for all on MongoDB 8.0).

        Returns what this flush did; raises BulkWriteError (BulkIntegrityError for duplicate
        keys and validation failures) naming every failed write.
        """
        operations, self.operations = self.operations, []
        if not operations:
            return BulkResult()
        self._sending = True
        try:
            result = send(self.connection, operations, self.ordered, self.settings)
        except Exception as error:
            partial = getattr(error, "result", None)
            if partial is not None:
                self.result.merge(partial)
            raise
        finally:
            self._sending = False
        self.result.merge(result)
        return result

    def discard(self):
        """Forget what is queued (the transaction it was made in is being rolled back)."""
        self.operations = []

    # -- transaction boundaries (djongo_prepare_transaction_step) ------------------------------

    def prepare_transaction_step(self, step):
        if self.capture:
            return
        if step in ("begin", "savepoint", "commit"):
            self.flush()
        elif step in ("rollback", "savepoint_rollback"):
            self.discard()

    # -- save() signals --------------------------------------------------------------------------

    def save_started(self, instance, update_fields):
        self.saves.append(SaveInProgress(instance, instance._state.adding, update_fields))

    def save_ended(self, instance):
        if self.saves and self.saves[-1].instance is instance:
            self.saves.pop()


def push(connection, batch):
    _batches.setdefault(connection, []).append(batch)
    _connect_signals()


def pop(connection, batch):
    stack = _batches.get(connection, [])
    if stack and stack[-1] is batch:
        stack.pop()


class bulk_writes:  # noqa: N801 - used like a function, as Django's transaction.atomic
    """Queue the ORM writes of the block and send them as bulk writes.

    `with bulk_writes(using=None, ordered=True, batch_size=None, autoflush=True) as batch:`.
    `ordered=False` lets MongoDB apply every write it can when some fail; `batch_size`
    (default: the database's BULK["batch_size"], 1000) is how many writes are queued before
    they are sent; `autoflush=False` lets reads inside the block skip the queue (they do not
    see its writes). `batch.result` counts what was written, per model; `batch.flush()` sends
    the queue now. A block inside another on the same database joins it.
    """

    def __init__(self, using=None, ordered=True, batch_size=None, autoflush=True):
        if not isinstance(ordered, bool):
            raise TypeError(f"bulk_writes(ordered=...) takes True or False, not {ordered!r}.")
        if batch_size is not None and not is_batch_size(batch_size):
            raise ValueError(f"bulk_writes(batch_size=...) takes a positive integer, not "
                             f"{batch_size!r}.")
        self.using = using
        self.ordered = ordered
        self.batch_size = batch_size
        self.autoflush = autoflush
        self._batch = None
        self._joined = False
        self._reserving = None

    def __enter__(self):
        connection = connections[self.using or "default"]
        settings = settings_of(connection)
        outer = current_batch(connection)
        if outer is not None and not outer.capture:
            if outer.ordered != self.ordered:
                raise NotSupportedError(
                    f"bulk_writes(ordered={self.ordered}) inside bulk_writes(ordered="
                    f"{outer.ordered}) on database {connection.alias!r}: an inner block joins "
                    "the outer one, so both must be ordered alike."
                )
            self._batch, self._joined = outer, True
            return outer
        batch_size = self.batch_size or settings.batch_size
        self._batch = Batch(connection, self.ordered, batch_size, self.autoflush, settings)
        # One counter call per batch_size new objects, whatever the order of the saves.
        self._reserving = connection.counters.reserving_ahead(batch_size)
        self._reserving.__enter__()
        push(connection, self._batch)
        return self._batch

    def __exit__(self, exc_type, exc, traceback):
        if self._joined:
            return
        batch, connection = self._batch, self._batch.connection
        pop(connection, batch)
        try:
            if exc_type is not None and connection.in_atomic_block and connection.needs_rollback:
                # The transaction will be rolled back: nothing queued in it may be written.
                batch.discard()
            else:
                # Also after an exception: what the block did before it is written, as it would
                # have been without a block (atomic() around the block undoes it all).
                batch.flush()
        finally:
            batch.saves.clear()
            self._reserving.__exit__(None, None, None)


# -- signals: which write belongs to which save() -------------------------------------------------

_signals_connected = False


def _connect_signals():
    global _signals_connected
    if _signals_connected:
        return
    pre_save.connect(_pre_save, dispatch_uid="djongo_bulk.pre_save", weak=False)
    post_save.connect(_post_save, dispatch_uid="djongo_bulk.post_save", weak=False)
    _signals_connected = True


def _batch_for(using):
    if using is None:
        return None
    batch = current_batch(connections[using])
    return batch if batch is not None and not batch.capture else None


def _pre_save(sender, instance, raw, using, update_fields, **kwargs):
    batch = _batch_for(using)
    if batch is not None:
        batch.save_started(instance, update_fields)


def _post_save(sender, instance, using, **kwargs):
    batch = _batch_for(using)
    if batch is not None:
        batch.save_ended(instance)
