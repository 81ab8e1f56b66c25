"""A document over MongoDB's 16 MB limit: which model, and which of its fields is the bulk."""

import bson
from django.db import DataError

LIMIT_MB = 16
# Server-side: a document an update makes too large (BSONObjectTooLarge and the update
# operators' own codes).
SERVER_CODES = {10334, 17419, 17420}


def too_large(command, error) -> DataError:
    """Return the DataError for a write whose document exceeds MongoDB's size limit."""
    model = command.model
    owner = (f"A document of {model._meta.label} (collection {command.collection!r})"
             if model is not None else f"A document of collection {command.collection!r}")
    field = _largest_field(command)
    bulk = f"; its largest field is {field[0]!r} ({field[1] / 2**20:.1f} MB)" if field else ""
    return DataError(
        f"{owner} exceeds MongoDB's {LIMIT_MB} MB document limit ({error}){bulk}. Keep large "
        "content outside the document (a FileField, GridFS) or split it over several documents."
    )


def _largest_field(command):
    """Return (key, encoded size) of the largest top-level value the command writes."""
    sizes = {}
    for document in _documents(command):
        for key, value in document.items():
            try:
                size = len(bson.encode({"v": value}))
            except Exception:  # noqa: BLE001 - an unencodable value is not the one to name
                continue
            sizes[key] = max(sizes.get(key, 0), size)
    if not sizes:
        return None
    key = max(sizes, key=sizes.get)
    return key, sizes[key]


def _documents(command):
    operation, args = command.operation, command.args
    if operation == "insert_one" and args:
        return [args[0]]
    if operation == "insert_many" and args:
        return list(args[0])
    if operation in ("replace_one", "find_one_and_replace") and len(args) > 1:
        return [args[1]]
    if operation in ("update_one", "update_many", "find_one_and_update") and len(args) > 1:
        update = args[1]
        if isinstance(update, dict):
            return [value for value in update.values() if isinstance(value, dict)]
        return [stage.get("$set", {}) for stage in update if isinstance(stage, dict)]
    return []
