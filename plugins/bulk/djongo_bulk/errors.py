"""The errors a flush raises: one exception for the batch, one BulkError per failed write."""

from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError

DUPLICATE_KEY_CODES = {11000, 11001, 12582}
DOCUMENT_VALIDATION_FAILURE = 121
#: Codes that mean a rule of the data was broken (Django's IntegrityError), not a failure.
INTEGRITY_CODES = DUPLICATE_KEY_CODES | {DOCUMENT_VALIDATION_FAILURE}
#: How many failed writes the exception's message lists; `errors` holds them all.
LISTED = 5


@dataclass
class BulkError:
    """One write of a batch that failed."""

    #: The queued operation (its index in the batch, model, instance, filter, document...).
    operation: Any
    #: MongoDB's error code (11000 duplicate key, 121 document validation...); None when the
    #: write went through but a save() found no document to update.
    code: int | None
    message: str
    #: The duplicate key's value, for a duplicate-key error ({"sku": "A-1"}).
    key_value: dict | None = None
    #: MongoDB's errInfo: for a validation failure (121), which rule the document broke.
    details: dict | None = None

    @property
    def index(self) -> int:
        """The write's position in the batch, counted from 0 in the order it was queued."""
        return self.operation.index

    @property
    def model(self):
        return self.operation.model

    @property
    def obj(self):
        """The model instance the write was for, when the ORM said which (save(), create(),
        Insert(obj)); None for QuerySet.update(), delete() and bulk_create()."""
        return self.operation.obj

    def __str__(self) -> str:
        return f"{self.operation.describe()}: {self.message}"


class BulkWriteError(DatabaseError):
    """Writes of a batch failed; the others went through, as `result` counts.

    `errors` lists every failed write (BulkError), in batch order. In an ordered batch the
    writes after the first failure were not sent: `not_attempted`. Inside a transaction
    MongoDB drops what a failed bulk_write did: those writes are in `rolled_back` and not
    counted in `result`.
    """

    def __init__(self, message, *, errors, result, not_attempted=(), rolled_back=(),
                 ordered=True):
        super().__init__(message)
        self.errors: list[BulkError] = list(errors)
        self.result = result
        self.not_attempted = list(not_attempted)
        self.rolled_back = list(rolled_back)
        self.ordered = ordered


class BulkIntegrityError(BulkWriteError, IntegrityError):
    """Writes of a batch broke rules of the data: duplicate keys, the collection's validator.

    A BulkWriteError and a Django IntegrityError, so that either except clause catches it.
    """


def error_class(errors):
    """Return BulkIntegrityError when every failure broke a rule of the data."""
    if errors and all(error.code in INTEGRITY_CODES for error in errors):
        return BulkIntegrityError
    return BulkWriteError


def describe_failure(write_error: dict) -> tuple[str, dict | None, dict | None]:
    """Return (message, key value, details) of one of the server's write errors."""
    code = write_error.get("code")
    message = write_error.get("errmsg", "")
    key_value = write_error.get("keyValue")
    details = write_error.get("errInfo")
    if code in DUPLICATE_KEY_CODES:
        index = message.split(" index: ", 1)[1].split(" ", 1)[0] if " index: " in message else None
        message = (f"duplicate key {key_value} on index {index!r}: another document already "
                   "holds this value; change it, or write it with update_or_create()/Upsert "
                   f"({write_error.get('errmsg', '')})")
    elif code == DOCUMENT_VALIDATION_FAILURE:
        message = (f"the collection's validator rejected the document (a CheckConstraint or "
                   f"a schema rule; details: {details}); fix the values, or the rule "
                   f"({write_error.get('errmsg', '')})")
    return message, key_value, details


def missing_document_message(operation) -> str:
    pk = operation.pk
    return (f"save() of {operation.model._meta.label} {pk!r} matched no document: none has _id "
            f"{pk!r} (deleted meanwhile, or never stored). Outside a block Django would have "
            "inserted it; a block queues the save of an object loaded from the database as an "
            "update, which cannot fall back to an insert after the fact. Save new objects "
            "with create() or save(force_insert=True), or save this one outside the block.")


def batch_message(alias, errors, operations, not_attempted, rolled_back, ordered):
    """The exception's message: how many writes failed, the first few, what was not applied."""
    mode = "ordered" if ordered else "unordered"
    lines = [f"Bulk write on database {alias!r} ({mode}): {len(errors)} of {len(operations)} "
             "writes failed."]
    lines += [f"  {error}" for error in errors[:LISTED]]
    if len(errors) > LISTED:
        lines.append(f"  ... and {len(errors) - LISTED} more (see the exception's errors).")
    if not_attempted:
        lines.append(f"{len(not_attempted)} writes after the first failure were not sent "
                     "(ordered; see not_attempted).")
    if rolled_back:
        lines.append(f"{len(rolled_back)} writes of the failed bulk_write were undone with the "
                     "transaction MongoDB aborted (see rolled_back).")
    if not (not_attempted or rolled_back):
        lines.append("Every other write was applied (see result).")
    return "\n".join(lines)
