"""select_for_update(): the documents a read selects are locked by a write, before the read.

MongoDB holds a document written by an open transaction until that transaction ends: another
transaction writing it fails at once with WriteConflict (112). So the lock of a
select_for_update() read (the DocumentLock the core attaches to its command) is a write on the
documents its filter matches, made in the transaction before the read runs: a field set to a
new value, then removed again, so that the documents come out of the transaction unchanged.
Once that write succeeded, no other transaction changed the documents since this one's snapshot
(MongoDB would have reported a conflict), so the read that follows sees their latest state.

When another transaction holds one of them, MongoDB aborts this transaction. As on a SQL
database, select_for_update() then waits: the transaction is rebuilt from its journal
(manager.py) and the lock written again, with a growing pause, until it is taken or
TRANSACTIONS "lock_timeout_ms" has passed (an OperationalError naming the collection). With
nowait=True the first conflict is that OperationalError.
"""

import random
import time

from bson import ObjectId
from django.db import OperationalError
from pymongo.errors import OperationFailure

from djongo_core.plugins import Command

#: The field the lock write sets and removes. It never outlives the lock's own transaction.
LOCK_FIELD = "__djongo_lock__"
WRITE_CONFLICT = 112
FIRST_PAUSE = 0.002
LONGEST_PAUSE = 0.05


def lock_documents(connection, command, lock_timeout_ms: int | None) -> None:
    """Write the lock of ``command.lock`` in the connection's open transaction, waiting for
    other transactions to release the documents (raise OperationalError if they do not)."""
    lock = command.lock
    deadline = None if lock_timeout_ms is None else time.monotonic() + lock_timeout_ms / 1000
    pause = FIRST_PAUSE
    while True:
        try:
            _write_lock(connection, command)
            return
        except OperationalError as error:
            if not _is_conflict(error):
                raise
            where = (f"the documents of collection {command.collection!r} selected by "
                     f"select_for_update() ({_label(command)})")
            if lock.nowait:
                raise OperationalError(
                    f"Could not lock {where}: another transaction holds them, and nowait=True."
                ) from error
            if deadline is not None and time.monotonic() + pause > deadline:
                raise OperationalError(
                    f"Could not lock {where} within {lock_timeout_ms} ms (TRANSACTIONS "
                    "'lock_timeout_ms'): another transaction held them all along. Run the "
                    "atomic block again, or raise the limit."
                ) from error
            # Random, so that the waiting transactions do not retry in step.
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 2, LONGEST_PAUSE)


def _write_lock(connection, command) -> None:
    lock = command.lock
    options = {"bypass_document_validation": True}
    if lock.collation is not None:
        options["collation"] = lock.collation
    token = ObjectId()
    executor = connection.executor
    executor.run(Command(command.collection, "update_many",
                         (lock.filter, {"$set": {LOCK_FIELD: token}}), options, model=command.model))
    executor.run(Command(command.collection, "update_many",
                         ({LOCK_FIELD: token}, {"$unset": {LOCK_FIELD: ""}}),
                         {"bypass_document_validation": True}, model=command.model))


def _is_conflict(error) -> bool:
    cause = error.__cause__
    return isinstance(cause, OperationFailure) and cause.code == WRITE_CONFLICT


def _label(command) -> str:
    model = command.model
    return model._meta.label if model is not None else "no model"
