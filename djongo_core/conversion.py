"""Stored values follow a field's new type (AlterField from CharField to IntegerField, ...).

SQL databases convert a column with ALTER COLUMN ... TYPE and refuse when a value cannot be cast.
MongoDB stores each value with its own BSON type, so the schema editor converts the documents
itself, the way Django reads a value for the new field (`to_python`, then the backend's stored
form): "42" becomes 42, "1988-05-05 3:16:17" a date, 7 becomes "7". Every stored value is
checked first; one that does not convert stops the migration with the document named, before
any document is written.
"""

from bson import Binary, Decimal128
from django.core.exceptions import ValidationError
from django.db import DataError, NotSupportedError
from pymongo import UpdateOne

from djongo_core import decimals, progress
from djongo_core.command import Command
from djongo_core.documents import stored_name

BATCH_SIZE = 1000
_INTEGERS = {"int", "long"}


def convert_values(editor, model, old_field, new_field):
    """Convert the stored values of old_field to new_field's type, or refuse before writing."""
    connection = editor.connection
    old_type, new_type = old_field.db_type(connection), new_field.db_type(connection)
    if old_type == new_type or old_type is None or new_type is None:
        return
    if old_type in _INTEGERS and new_type in _INTEGERS:
        # Same numbers: pymongo stores each integer in the narrowest width that holds it, and
        # MongoDB compares numbers across widths.
        return
    table = model._meta.db_table
    key = stored_name(old_field)
    what = f"{model._meta.label}.{new_field.name} cannot change from {old_type} to {new_type}"
    if editor.collect_sql:
        editor.collected_sql.append(
            f"// convert every stored {key!r} value of {table} from {old_type} to {new_type}")
        return
    run = connection.executor.run
    stored = {key: {"$ne": None}}
    if key == "_id":
        if run(Command(table, "find_one", (stored, {"_id": 1}), model=model)) is not None:
            raise NotSupportedError(
                f"{what}: a document's _id never changes in place. Create a new model, copy "
                "the documents over in a RunPython step, then delete the old one."
            )
        return

    def converted(document):
        value = _python_value(document[key])
        try:
            return new_field.get_db_prep_save(
                decimals.for_save(new_field, new_field.to_python(value)), connection)
        except (ValidationError, TypeError, ValueError, ArithmeticError) as error:
            raise DataError(
                f"{what}: the document with _id {document['_id']!r} in {table!r} holds "
                f"{value!r}, which does not convert ({error}). Nothing was changed; fix or "
                "clear such values first (a RunPython step before this migration)."
            ) from error

    def stored_values():
        return connection.executor.documents(
            Command(table, "find", (stored, {key: 1}), model=model))

    total = run(Command(table, "count_documents", (stored,), model=model))
    checking = f"Checking {table}.{key}"
    progress.report(connection, checking, 0, total)
    for checked, document in enumerate(stored_values(), 1):
        converted(document)
        if checked % BATCH_SIZE == 0:
            progress.report(connection, checking, checked, total)
    progress.report(connection, checking, total, total)
    label = f"Converting {table}.{key}"
    progress.report(connection, label, 0, total)
    batch, done = [], 0

    def write():
        nonlocal batch, done
        editor.rewrite(Command(table, "bulk_write", (batch,), {"ordered": False}, model=model))
        done, batch = done + len(batch), []
        progress.report(connection, label, min(done, total), total)

    for document in stored_values():
        batch.append(UpdateOne({"_id": document["_id"]}, {"$set": {key: converted(document)}}))
        if len(batch) == BATCH_SIZE:
            write()
    if batch:
        write()


def _python_value(value):
    """A BSON value as the Python value Django's fields parse."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, Binary):
        return bytes(value)
    return value
