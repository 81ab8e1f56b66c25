"""The value documents already stored get when a migration adds a field or makes it NOT NULL.

SQL databases fill an added column from its DEFAULT: the db_default if the field has one (a
value, or an expression the server evaluates for each row), else Django's default. MongoDB has
no column defaults, so the schema editor writes that value into the documents, as one
`update_many` (an update pipeline when the db_default is an expression such as Now()).

A collection of more than BATCH_SIZE documents is filled in batches, so that no single write
holds the server for long and each batch can be reported (progress.py: djongo_core's `migrate`
draws a bar when the fill runs for more than a moment).
"""

from django.db.models.expressions import Value
from django.db.models.sql import InsertQuery

from djongo_core import decimals, progress
from djongo_core.command import Command
from djongo_core.sub_milliseconds import keeps_microseconds, write_values

BATCH_SIZE = 1_000


def db_default_literal(field, connection):
    """Return (True, stored value) for a db_default that is a constant, else (False, None)."""
    if not field.has_db_default():
        return False, None
    default = field.db_default
    if isinstance(default, Value):
        default = default.value
    if hasattr(default, "resolve_expression"):
        return False, None
    return True, field.get_db_prep_save(decimals.for_save(field, default), connection)


def fill_command(editor, model, field, selector):
    """Return the update that gives the documents matching selector the field's default, or
    None when the field has no default (nothing but None could be written)."""
    column = field.column
    if field.has_db_default():
        is_literal, value = db_default_literal(field, editor.connection)
        if not is_literal:
            return Command(model._meta.db_table, "update_many", (
                selector, [{"$set": {column: _server_expression(editor, model, field)}}],
            ))
    else:
        value = editor.effective_default(field)
        if value is None:
            return None  # a document without the key already reads as None
    assignments = {column: value}
    if keeps_microseconds(field):
        assignments.update(write_values(field, value)[0])  # sub_milliseconds.py
    return Command(model._meta.db_table, "update_many", (selector, {"$set": assignments}))


def _server_expression(editor, model, field):
    """Compile a db_default expression (Now(), Lower(Value(...))) for an update pipeline."""
    from djongo_core.compiler.model_expressions import model_translator

    query = InsertQuery(model)
    expression = field._db_default_expression.resolve_expression(query, allow_joins=False,
                                                                  for_save=True)
    return model_translator(editor.connection, model, query).expression(expression)


def run_fill(editor, command):
    """Run a fill from fill_command, in batches on a large collection."""
    table = command.collection
    selector, update = command.args
    if editor.collect_sql:
        editor.rewrite(command)
        return
    run = editor.connection.executor.run
    total = run(Command(table, "count_documents", (selector,), model=command.model))
    if total <= BATCH_SIZE:
        if total:
            editor.rewrite(command)
        return
    field = next(iter(update[0]["$set"] if isinstance(update, list) else update["$set"]))
    label = f"Filling {table}.{field}"
    progress.report(editor.connection, label, 0, total)
    done = 0
    while True:
        # By ids, not by _id ranges: adopted collections may mix _id types, which ranges
        # (type-bracketed in MongoDB) would skip. Filled documents no longer match selector.
        ids = [document["_id"] for document in editor.connection.executor.documents(Command(
            table, "find", (selector, {"_id": 1}), {"limit": BATCH_SIZE}, model=command.model))]
        if not ids:
            break
        result = editor.rewrite(command.replaced(
            args=({"$and": [selector, {"_id": {"$in": ids}}]}, update)))
        if result.modified_count == 0:
            break  # nothing more can change: never loop on documents the update leaves alone
        done += len(ids)
        progress.report(editor.connection, label, min(done, total), total)
    progress.report(editor.connection, label, total, total)
