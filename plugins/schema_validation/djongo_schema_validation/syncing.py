"""Validators brought in step at the end of `migrate`, for what migrations do not track.

A model's validator follows its migrations (every AddField, AlterField... re-asks the plugin).
Two changes reach no migration: enabling the plugin on a database whose collections exist, and
changing its SCHEMA_VALIDATION settings ("models", "level", "action", "additional_properties").
Without this, such collections kept no validator, or the old one, while `showschema` printed
the new one. So after each `migrate` (post_migrate, which `flush` also sends, without a plan:
left alone) every collection of the app whose validator differs from the one generated now gets
it with one collMod, through the core's schema editor.

Stored documents that the new strict validator would refuse are not given it: MongoDB would
refuse every later update of them, and the migrations themselves succeeded. They are reported
with the ways out instead, and the collection keeps its validator until they are fixed.
"""

from django.db import connections, router

from djongo_core.plugins import Command
from djongo_schema_validation.generator import collection_schema
from djongo_schema_validation.settings import is_enabled, model_validation


def sync_after_migrate(sender, *, using, apps, plan=None, verbosity=1, stdout=None, **kwargs):
    if plan is None:
        return  # flush: the collections' options did not change
    connection = connections[using]
    if not is_enabled(connection):
        return
    models = [model for model in apps.get_models(include_auto_created=True)
              if model._meta.app_label == sender.label
              and router.allow_migrate_model(using, model)]
    if not models:
        return
    listed = {found["name"]: found.get("options", {}) for found in connection.executor.documents(
        Command(None, "list_collections", (), {"filter": {"type": "collection"}}))}
    for model in models:
        table = model._meta.db_table
        validation = model_validation(connection, model)
        if validation is None or table not in listed:
            continue
        schema = collection_schema(connection, model, validation.additional_properties)
        wanted = (schema, validation.level, validation.action)
        if _current(listed[table]) == wanted:
            continue
        refused = 0
        if validation.level == "strict" and validation.action == "error":
            refused = connection.executor.run(Command(
                table, "count_documents", ({"$nor": [{"$jsonSchema": schema}]},), model=model))
        if refused:
            _say(stdout, verbosity, 0,
                 f"  {model._meta.label}: {refused} document(s) in {table!r} break the "
                 "validator the schema_validation plugin generates now, so the collection "
                 "keeps its current one: MongoDB would refuse every later update of them. "
                 f"Fix them (`manage.py validatedb {model._meta.label}` lists them) and run "
                 "migrate again, or declare SchemaValidation(level=\"moderate\") in the "
                 "model's Meta.constraints.")
            continue
        with connection.schema_editor() as editor:
            editor.sync_collection_options(model)
        _say(stdout, verbosity, 1,
             f"  Gave collection {table!r} ({model._meta.label}) the validator generated "
             "from the model and the database's SCHEMA_VALIDATION settings.")


def _current(options):
    """(the $jsonSchema of a collection's validator, its level, its action), or None."""
    validator = options.get("validator") or {}
    for clause in validator.get("$and", [validator]):
        if "$jsonSchema" in clause:
            return (clause["$jsonSchema"], options.get("validationLevel", "strict"),
                    options.get("validationAction", "error"))
    return None


def _say(stdout, verbosity, needed, message):
    if stdout is not None and verbosity >= needed:
        stdout.write(message + "\n")
