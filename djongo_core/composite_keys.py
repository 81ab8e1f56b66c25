"""A CompositePrimaryKey added to or removed from a model whose collection exists (AddField and
RemoveField of `pk` in a migration).

A composite key is no stored field: its documents carry the driver's ObjectId as `_id`, and a
unique index over the key's columns (`<table>_pkey`) keeps them unique, as the primary key
constraint does in SQL; `__schema__` records the columns for introspection. Removing it gives
the model Django's auto-created key `id`, which is stored as `_id`: documents whose `_id` is not
their `id` value are moved to it (a document's `_id` never changes in place, so each is inserted
again under its new `_id` and the old one deleted), and the counter is raised past them.
"""

from django.db import IntegrityError

from djongo_core import catalog
from djongo_core.command import Command
from djongo_core.documents import stored_name
from djongo_core.indexes import IndexSpec, keys_collation

# The key Django gives a model that has none (Options._prepare): an auto field named "id".
FALLBACK_KEY_NAME = "id"


def key_spec(model, key):
    """Return the unique index that holds a composite key (key: its CompositePrimaryKey)."""
    fields = list(key.fields)
    return IndexSpec(
        f"{model._meta.db_table}_pkey",
        tuple((stored_name(field), 1) for field in fields), unique=True,
        collation=keys_collation(model, fields, f"The primary key of {model._meta.label}"))


def add_key(editor, model, key):
    """Make the collection hold a composite key added to the model."""
    table = model._meta.db_table
    editor._create_index(table, key_spec(model, key))
    editor.run(catalog.declare_primary_key(table, [field.column for field in key.fields]))


def remove_key(editor, model, key):
    """Drop a composite key from the collection, and store the key the model falls back to
    (its field `id`) as the documents' `_id`."""
    table = model._meta.db_table
    editor._drop_existing(table, key_spec(model, key))
    editor.run(catalog.declare_primary_key(table, None))
    fallback = next((field for field in model._meta.local_concrete_fields
                     if field.column == FALLBACK_KEY_NAME and not field.primary_key), None)
    if fallback is None:
        return  # the documents hold no id values: nothing to move
    column = fallback.column
    if not editor.collect_sql:
        _refuse_unusable_keys(editor, model, column)
    moving = {"$expr": {"$ne": ["$_id", f"${column}"]}}
    editor.rewrite(Command(table, "aggregate", ([
        {"$match": moving},
        {"$set": {"_id": f"${column}"}},
        # Into the collection being read: the new documents no longer match the filter.
        {"$merge": {"into": table, "on": "_id", "whenMatched": "fail",
                    "whenNotMatched": "insert"}},
    ],), model=model))
    editor.rewrite(Command(table, "delete_many", (moving,), model=model))
    if not editor.collect_sql:
        editor.connection.counters.heal(table, column, model=model)


def _refuse_unusable_keys(editor, model, column):
    """Refuse, before anything is moved, values that cannot be a primary key (nulls,
    duplicates), as SQL refuses to make such a column the key."""
    table = model._meta.db_table
    what = (f"Removing the composite primary key of {model._meta.label} makes {column!r} its "
            f"primary key, stored as _id, but documents in {table!r}")
    if editor.read(Command(table, "count_documents", ({column: None},), {"limit": 1},
                           model=model)):
        raise IntegrityError(f"{what} hold null or lack {column!r}. Give them values first "
                             "(a RunPython step before this migration).")
    duplicates = list(editor.read(Command(table, "aggregate", ([
        {"$group": {"_id": f"${column}", "count": {"$sum": 1}}},
        {"$match": {"count": {"$gt": 1}}},
        {"$limit": 1},
    ],), model=model)))
    if duplicates:
        raise IntegrityError(f"{what} share the value {duplicates[0]['_id']!r}. Make the values "
                             "unique first (a RunPython step before this migration).")
