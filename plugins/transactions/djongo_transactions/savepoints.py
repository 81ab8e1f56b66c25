"""Savepoints, which MongoDB does not have: the pre-images of what each write changes.

While a savepoint is open, every write of the transaction leaves an Undo record, taken inside
the same transaction: the ids an insert added, and the documents an update, replace or delete
was about to change, read with the write's own filter just before it runs. Rolling back to the
savepoint applies the records made since, newest first: inserted documents are deleted and the
pre-images put back, which leaves every touched document as it was when the savepoint was made.
A write whose effect cannot be known this way (a bulk_write, an upsert whose new _id cannot be
found) makes its record inexact; rolling back over it rebuilds the transaction from its journal
instead (see journal.py). Without an open savepoint nothing is read or kept.
"""

from dataclasses import dataclass, field

from pymongo import DeleteMany, ReplaceOne

from djongo_core.plugins import Command

#: Writes whose documents are found by the filter in their first argument.
FILTERED_WRITES = {
    "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "find_one_and_update", "find_one_and_replace", "find_one_and_delete",
}
INSERTS = {"insert_one", "insert_many"}
DELETES = {"delete_one", "delete_many", "find_one_and_delete"}
UPSERTING = {"update_one", "update_many", "replace_one", "find_one_and_update",
             "find_one_and_replace"}
#: Options of a write that change which documents its filter matches.
MATCH_OPTIONS = ("collation", "let")


@dataclass
class Savepoint:
    sid: str
    #: How many writes the journal and the undo log held when the savepoint was made.
    journal_position: int
    undo_position: int


@dataclass
class Undo:
    """How to take one write back."""

    collection: str
    inserted: list = field(default_factory=list)
    before: list = field(default_factory=list)
    exact: bool = True
    #: Whether taking the write back inserts documents it deleted: they would come back at
    #: the end of the collection's natural order, where a rollback on SQL (and MongoDB's own
    #: abort) leaves them where they were.
    reinserts: bool = False


def _filter(command: Command):
    if command.args:
        return command.args[0]
    return command.kwargs.get("filter", {})


def _find(database, session, command: Command, projection=None):
    options = {key: command.kwargs[key] for key in MATCH_OPTIONS if key in command.kwargs}
    return list(database[command.collection].find(
        _filter(command), projection, session=session, **options
    ))


def read_before(database, session, command: Command) -> list | None:
    """Return the documents the write is about to change ([] for inserts), None if unknowable."""
    if command.operation in INSERTS:
        return []
    if command.operation in FILTERED_WRITES and command.collection is not None:
        return _find(database, session, command)
    return None


def undo_for(database, session, command: Command, before: list | None, result) -> Undo:
    """Return the record that takes back the write `command` just made."""
    undo = Undo(command.collection)
    if before is None:
        undo.exact = False
        return undo
    undo.before = before
    operation = command.operation
    undo.reinserts = bool(before) and operation in DELETES
    if operation == "insert_one":
        undo.inserted = [result.inserted_id]
    elif operation == "insert_many":
        undo.inserted = list(result.inserted_ids)
    elif operation in UPSERTING and command.kwargs.get("upsert"):
        upserted = getattr(result, "upserted_id", None)
        if upserted is not None:
            undo.inserted = [upserted]
        elif operation.startswith("find_one_and_") and not before:
            # find_one_and_* does not report an upsert: look for a document the filter matches
            # now and did not before. None found means the update moved it out of the filter.
            found = [document["_id"] for document in _find(database, session, command, {"_id": 1})]
            undo.inserted = found
            undo.exact = bool(found)
    return undo


def restore(database, session, undos: list[Undo]) -> None:
    """Apply the records newest first, one bulk write per record."""
    for undo in reversed(undos):
        requests = []
        if undo.inserted:
            requests.append(DeleteMany({"_id": {"$in": undo.inserted}}))
        requests.extend(
            ReplaceOne({"_id": document["_id"]}, document, upsert=True) for document in undo.before
        )
        if requests:
            database[undo.collection].bulk_write(requests, ordered=True, session=session)
