"""Migrations of indexes on expressions: the hidden keys (expression_indexes.py) written into,
or removed from, the documents already stored, as SQL databases build an expression index over
the rows a table holds."""

from djongo_core.command import Command
from djongo_core.compiler import generated
from djongo_core.documents import stored_name
from djongo_core.expression_indexes import (
    check_translatable, declares_expressions, expression_keys, hidden_keys_of, index_parts,
)
from djongo_core.model_state import model_after


def refuse_untranslatable(editor, model, declarations):
    """Refuse, before anything is written, an index whose expression the server cannot
    compute (and what Django refuses in an indexed expression, with its own errors)."""
    for declaration in declarations:
        if declares_expressions(declaration):
            check_translatable(editor.connection, model, declaration)


def fill_keys(editor, model, declaration):
    """Compute the hidden keys of one index on expressions in the stored documents, before the
    index is built: a unique one then sees every document."""
    if not declares_expressions(declaration):
        return
    keys = [part.key for part in index_parts(model, declaration) if part.key is not None]
    if keys:
        editor.rewrite(generated.fill_command(model, keys, editor.connection, {}))


def fill_all_keys(editor, model):
    """Compute every hidden key of a model in the stored documents (a collection an
    interrupted migrate left behind, whose indexes are built again)."""
    keys = expression_keys(model._meta)
    if keys:
        editor.rewrite(generated.fill_command(model, keys, editor.connection, {}))


def forget_keys(editor, model, declaration):
    """Remove from the documents the hidden keys of a dropped index on expressions (by
    position: its expressions need not resolve against the model any more)."""
    if not declares_expressions(declaration):
        return
    keys = hidden_keys_of(declaration)
    editor.rewrite(Command(model._meta.db_table, "update_many", (
        {"$or": [{key: {"$exists": True}} for key in keys]},
        {"$unset": dict.fromkeys(keys, "")}), model=model))


def refill_keys_reading(editor, model, old_field, new_field):
    """Compute again the hidden keys that read an altered field: its values may have been
    converted or rounded. A renamed column alone changes no value."""
    if new_field.generated or new_field.column is None:
        return
    if stored_name(old_field) != stored_name(new_field):
        if old_field.db_type(editor.connection) == new_field.db_type(editor.connection):
            return
        model = model_after(model, add=[new_field], remove=[old_field])
    keys = [key for key in expression_keys(model._meta) if stored_name(new_field) in
            {stored_name(f) for f in generated.referenced_fields(key, model)}]
    if keys:
        editor.rewrite(generated.fill_command(model, keys, editor.connection, {}))
