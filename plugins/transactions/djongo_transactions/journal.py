"""The writes of one transaction, kept so that the transaction can be rebuilt.

MongoDB aborts a whole transaction when one of its commands fails (a duplicate key, a write
conflict, a bad query). Django expects less: a failed statement leaves the transaction usable
once the savepoint around it is rolled back, and get_or_create() and TestCase rely on it. The
journal makes that possible: every write that succeeded in the transaction is kept with its
outcome, and after an abort a new transaction replays them. A replayed write must have the same
outcome as the first time (the same ids inserted, the same numbers matched, modified, deleted);
otherwise the data changed under the transaction and rebuilding it would not give back the same
state, so the rebuild fails.
"""

from dataclasses import dataclass
from typing import Any

from pymongo.errors import BulkWriteError

from djongo_core.plugins import Command


class ReplayMismatch(Exception):
    """A replayed write did not have the outcome it had the first time."""


@dataclass(frozen=True)
class Entry:
    command: Command
    outcome: Any


def outcome(operation: str, result) -> Any:
    """Return what identifies a write's effect, to compare a replay against."""
    if operation == "insert_one":
        return result.inserted_id
    if operation == "insert_many":
        return tuple(result.inserted_ids)
    if operation in ("update_one", "update_many", "replace_one"):
        return result.matched_count, result.modified_count, result.upserted_id
    if operation in ("delete_one", "delete_many"):
        return result.deleted_count
    if operation == "bulk_write":
        return (result.inserted_count, result.matched_count, result.modified_count,
                result.deleted_count, tuple(sorted(result.upserted_ids.items())))
    # find_one_and_update/replace/delete: the document returned.
    return result


def inserted_before_failure(command: Command, error: BaseException) -> list | None:
    """Return the documents an insert_many stored before it failed, or None if not one.

    Outside a transaction those documents stay, and the core relies on it (bulk_create with
    ignore_conflicts keeps the others; a stale counter is healed and the rest retried). Inside
    one MongoDB drops them with the transaction, so the rebuilt transaction puts them back.
    """
    if command.operation != "insert_many" or not isinstance(error, BulkWriteError):
        return None
    documents = list(command.args[0])
    ordered = command.kwargs.get("ordered", True)
    if ordered:
        return documents[: error.details.get("nInserted", 0)]
    failed = {write_error["index"] for write_error in error.details.get("writeErrors", [])}
    return [document for index, document in enumerate(documents) if index not in failed]


def _size(command: Command) -> int:
    if command.operation == "insert_many":
        return max(len(command.args[0]), 1)
    return 1


class Journal:
    """The successful writes of the current transaction, in order."""

    def __init__(self, limit: int):
        self.limit = limit
        self.entries: list[Entry] = []
        self.documents = 0
        #: False once the transaction wrote more than `limit` documents: it cannot be rebuilt.
        self.complete = limit > 0

    def __len__(self) -> int:
        return len(self.entries)

    def record(self, command: Command, result) -> None:
        """Keep a write that succeeded, with its outcome."""
        self._append(command, outcome(command.operation, result))

    def record_partial_insert(self, command: Command, documents: list) -> None:
        """Keep the documents a failed insert_many stored, as an insert of their own."""
        if documents:
            inserted = Command(command.collection, "insert_many", (documents,), {"ordered": True})
            self._append(inserted, tuple(document["_id"] for document in documents))

    def _append(self, command: Command, result_outcome) -> None:
        if not self.complete:
            return
        self.documents += _size(command)
        if self.documents > self.limit:
            self.complete = False
            self.entries.clear()
            return
        kwargs = {key: value for key, value in command.kwargs.items() if key != "session"}
        stored = Command(command.collection, command.operation, tuple(command.args), kwargs)
        self.entries.append(Entry(stored, result_outcome))

    def truncate(self, position: int) -> None:
        if self.complete:
            self.documents -= sum(_size(entry.command) for entry in self.entries[position:])
            del self.entries[position:]

    def replay(self, database, session, position: int) -> None:
        """Run the first `position` writes again in the session's (new) transaction."""
        for entry in self.entries[:position]:
            command = entry.command
            method = getattr(command.target(database), command.operation)
            result = method(*command.args, session=session, **command.kwargs)
            if outcome(command.operation, result) != entry.outcome:
                raise ReplayMismatch(
                    f"{command.operation} on collection {command.collection!r} had another "
                    f"outcome the second time ({outcome(command.operation, result)!r} instead "
                    f"of {entry.outcome!r}): the data changed meanwhile"
                )

