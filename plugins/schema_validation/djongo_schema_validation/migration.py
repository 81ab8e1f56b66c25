"""The options the plugin gives a model's collection, and the refusal of a validator that
stored documents already break.

MongoDB's collMod applies a validator without looking at the documents already stored: with
validationLevel "strict", each of them is then refused at its next update, whatever that update
changes. So before giving a stricter validator (a new or changed $jsonSchema, strict, action
"error"), the plugin counts the stored documents it would refuse, and refuses the migration
step when there are any, saying how many, showing the first, and naming the two ways out.
"""

from django.db import IntegrityError

from djongo_core.plugins import Command
from djongo_schema_validation.evaluation import described, violations
from djongo_schema_validation.generator import collection_schema
from djongo_schema_validation.settings import model_validation

SHOWN = 5


def collection_options(schema_editor, model):
    connection = schema_editor.connection
    validation = model_validation(connection, model)
    if validation is None:
        return None
    schema = collection_schema(connection, model, validation.additional_properties)
    if (not schema_editor.collect_sql and validation.level == "strict"
            and validation.action == "error"):
        refuse_nonconforming(connection, model, schema)
    return {"validator": {"$jsonSchema": schema}, "validationLevel": validation.level,
            "validationAction": validation.action}


def current_schema(connection, table):
    """Return (exists, the $jsonSchema the collection's validator holds or None)."""
    found = list(connection.executor.documents(
        Command(None, "list_collections", (), {"filter": {"name": table}})))
    if not found:
        return False, None
    options = found[0].get("options", {})
    validator = options.get("validator") or {}
    clauses = validator.get("$and", [validator])
    for clause in clauses:
        if "$jsonSchema" in clause:
            return True, (clause["$jsonSchema"], options.get("validationLevel", "strict"),
                          options.get("validationAction", "error"))
    return True, None


def refuse_nonconforming(connection, model, schema):
    table = model._meta.db_table
    exists, current = current_schema(connection, table)
    if not exists or current == (schema, "strict", "error"):
        return
    selector = {"$nor": [{"$jsonSchema": schema}]}
    count = connection.executor.run(Command(table, "count_documents", (selector,), model=model))
    if not count:
        return
    first = list(connection.executor.documents(Command(
        table, "find", (selector,), {"limit": SHOWN, "sort": [("_id", 1)]}, model=model)))
    ids = ", ".join(repr(document["_id"]) for document in first)
    example = ""
    found = violations(schema, first[0])
    if found:
        example = f" (_id {first[0]['_id']!r}: {described(model, found[0])[1]})"
    raise IntegrityError(
        f"{model._meta.label}: {count} document(s) in {table!r} break the validator this "
        f"migration step would apply, first _ids {ids}{example}. MongoDB would refuse every "
        "later update of them. Fix them first (a RunPython step before this operation; "
        f"`manage.py validatedb {model._meta.label}` lists them with reasons), or declare "
        "SchemaValidation(level=\"moderate\") in the model's Meta.constraints so that MongoDB "
        "checks only the documents that already conform."
    )
