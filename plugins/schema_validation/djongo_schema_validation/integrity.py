"""Referential integrity: ForeignKey values whose target document does not exist.

MongoDB has no foreign keys. Three checks stand in for them:
- `check_constraints`: what Django's loaddata asks after loading (the backend's
  check_constraints, through the djongo_check_constraints hook), raising IntegrityError as SQL
  databases do;
- `dangling_references`: every dangling value of one relation, for the checkintegrity command;
- `refuse_missing_targets`: with check_references on, a write naming a missing target is
  refused before it is sent, one query per relation per write (a bulk_create of 1,000 rows asks
  once per ForeignKey).

A ForeignKey with db_constraint=False is left alone, as SQL databases leave it.
"""

from django.apps import apps
from django.db import IntegrityError

from djongo_core.plugins import Command, stored_name

_TARGET = "__djongo_target"


def checked_relations(model):
    """The model's ForeignKey/OneToOneField fields that hold a constraint."""
    return [field for field in model._meta.local_concrete_fields
            if field.many_to_one or field.one_to_one
            if field.is_relation and field.db_constraint and field.related_model is not None]


def dangling_references(connection, model, field, limit=None):
    """Return (document _id, value) for each document whose `field` names no target."""
    target = field.related_model
    key = field.column
    pipeline = [
        {"$match": {key: {"$ne": None}}},
        {"$lookup": {"from": target._meta.db_table, "localField": key,
                     "foreignField": stored_name(field.target_field), "as": _TARGET}},
        {"$match": {_TARGET: {"$size": 0}}},
        {"$project": {key: 1}},
        {"$sort": {"_id": 1}},
    ]
    if limit is not None:
        pipeline.append({"$limit": limit})
    command = Command(model._meta.db_table, "aggregate", (pipeline,), model=model)
    return [(document["_id"], document.get(key))
            for document in connection.executor.documents(command)]


def validated_models(connection, table_names=None):
    """The managed models of the connection whose collections are in table_names (all: None)."""
    from django.db import router

    found = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if not opts.managed or opts.proxy or opts.swapped:
            continue
        if table_names is not None and opts.db_table not in table_names:
            continue
        if not router.allow_migrate_model(connection.alias, model):
            continue
        found.append(model)
    return found


def check_constraints(connection, table_names):
    """Raise IntegrityError for the first dangling reference, in the words of Django's SQL
    backends."""
    for model in validated_models(connection, table_names):
        for field in checked_relations(model):
            for pk, value in dangling_references(connection, model, field, limit=1):
                target = field.related_model
                raise IntegrityError(
                    f"The row in table {model._meta.db_table!r} with primary key {str(pk)!r} "
                    f"has an invalid foreign key: {model._meta.db_table}.{field.column} "
                    f"contains a value {str(value)!r} that does not have a corresponding value "
                    f"in {target._meta.db_table}.{stored_name(field.target_field)} "
                    f"({model._meta.label}.{field.name} names a {target._meta.label} that does "
                    "not exist; add it to the fixture or fix the reference)."
                )


def refuse_missing_targets(connection, command):
    """Before a write of command.model, refuse ForeignKey values naming no target document."""
    model = command.model
    values = _written_values(command)
    if not values:
        return
    for field in checked_relations(model):
        wanted = []
        for document in values:
            value = document.get(field.column)
            if value is not None and value not in wanted:
                wanted.append(value)
        if not wanted:
            continue
        target = field.related_model
        key = stored_name(field.target_field)
        found = {document[key] for document in connection.executor.documents(Command(
            target._meta.db_table, "find", ({key: {"$in": wanted}}, {key: 1}), model=target))}
        missing = [value for value in wanted if value not in found]
        if missing:
            raise IntegrityError(
                f"{model._meta.label}.{field.name}: no {target._meta.label} with "
                f"{field.target_field.name} {', '.join(map(repr, missing))}; the "
                f"{command.operation} was not sent (SCHEMA_VALIDATION check_references is on). "
                f"Save the {target._meta.label} first, or fix the reference."
            )


def _written_values(command):
    """The documents (or $set parts) a write command gives, as dicts of keys to values."""
    if command.operation == "insert_one":
        return [command.args[0]] if command.args else []
    if command.operation == "insert_many":
        return list(command.args[0]) if command.args else []
    if command.operation in ("update_one", "update_many") and len(command.args) >= 2:
        update = command.args[1]
        if isinstance(update, dict) and isinstance(update.get("$set"), dict):
            return [{key: value for key, value in update["$set"].items()
                     if not isinstance(value, dict)}]
    return []
