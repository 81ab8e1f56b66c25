"""Adopting a MongoDB database Django did not create: the `__schema__` entries it needs.

Integer AutoFields take their values from `__schema__` counters. On a database whose documents
were written by something else, a missing counter starts at 1 and a stale one lags behind the
stored ids; either way new objects would be given ids that are already taken (inserts never
overwrite, so they would fail on the `_id` index instead). Adoption sets each counter to the
highest integer id stored, never lowering one, and records the model's fields the way `migrate`
would have, so introspection and later migrations see them. Running it twice changes nothing.

djongo 1.x stored an integer AutoField under its own key (``{"_id": ObjectId(...), "id": 7}``:
MongoDB gave each document its ObjectId, and foreign keys hold the 7); this backend keeps the
primary key in ``_id``. Such documents are moved once: the collection is copied (``$out``) with
each of them keyed by its integer, its indexes and validator rebuilt on the copy, and the copy
renamed over it, so references (``author_id: 7``) find their documents again.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import router

from djongo_core import catalog, progress
from djongo_core.command import Command
from djongo_core.counters import raise_command
from djongo_core.indexes import index_copy_commands
from djongo_core.keys import INTEGER_AUTO_FIELDS


@dataclass
class Change:
    """What adoption does (or, in a dry run, would do) for one collection."""

    model: str
    collection: str
    action: str  # create/raise/repair counter, record fields, move ids, unchanged, warning
    detail: str
    # The Command that makes the change, or a list of them run in order; None for none.
    command: object = None

    def describe(self, dry_run):
        verb = {"create counter": "would create" if dry_run else "created",
                "raise counter": "would raise" if dry_run else "raised",
                "repair counter": "would repair" if dry_run else "repaired",
                "record fields": "would record" if dry_run else "recorded",
                "move ids": "would move" if dry_run else "moved"}.get(self.action)
        prefix = f"{self.model} ({self.collection})"
        return f"{prefix}: {verb} {self.detail}" if verb else f"{prefix}: {self.detail}"


def adoption_models(connection, app_labels=()):
    """The concrete models stored in this database (routers asked), of app_labels or all apps."""
    configs = [apps.get_app_config(label) for label in app_labels] or apps.get_app_configs()
    models = []
    for config in configs:
        for model in config.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or meta.swapped or not router.allow_migrate_model(connection.alias,
                                                                           model):
                continue
            models.append(model)
    return models


def plan(connection, models):
    """Return the changes adoption makes for models, reading the database only."""
    collections = set(connection.executor.run(Command(None, "list_collection_names")))
    changes = []
    for number, model in enumerate(models):
        progress.report(connection, "Reading collections", number, len(models), "models")
        table = model._meta.db_table
        if table not in collections:
            continue  # nothing stored yet: migrate creates it, counter included
        entry = catalog.declared_entry(connection, table)
        label = model._meta.label
        if not entry.get("fields"):
            changes.append(Change(label, table, "record fields",
                                  "the declared fields of the model",
                                  catalog.declare_model(model, connection)))
        changes.extend(_counter_changes(connection, model, entry))
    progress.report(connection, "Reading collections", len(models), len(models), "models")
    return changes


def _counter_changes(connection, model, entry):
    label, table = model._meta.label, model._meta.db_table
    auto = model._meta.auto_field
    if auto is None or auto.get_internal_type() not in INTEGER_AUTO_FIELDS:
        return []
    changes = []
    not_integer = {"_id": {"$not": {"$type": "number"}}}
    foreign = connection.executor.run(Command(
        table, "count_documents", (not_integer,), model=model))
    highest = connection.counters.highest_id(table)
    keyed = {**not_integer, auto.column: {"$type": "number"}}
    movable = foreign and auto.column != "_id" and connection.executor.run(Command(
        table, "count_documents", (keyed,), model=model))
    if foreign and movable == foreign:
        move = _id_move(connection, model, foreign)
        changes.append(move)
        if move.action == "move ids":
            # The counter goes past the moved ids too.
            top = connection.executor.run(Command(
                table, "find_one", (keyed, {auto.column: 1}), {"sort": [(auto.column, -1)]},
                model=model))
            highest = max(highest, int(top[auto.column]))
    elif foreign:
        changes.append(Change(label, table, "warning",
            f"{foreign} document(s) have an _id that is not an integer; the model's "
            f"{auto.get_internal_type()} cannot address them (djongo_core.fields."
            "ObjectIdAutoField can, for ObjectId keys)."))
    counter = entry.get("auto")
    seq = counter.get("seq") if counter else None
    command = raise_command(table, auto.column, highest)
    if seq is None:
        changes.append(Change(label, table, "create counter",
                              f"the counter at {highest} (the highest id stored)", command))
    elif seq < highest:
        changes.append(Change(label, table, "raise counter",
                              f"the counter from {seq} to {highest} (the highest id stored)",
                              command))
    elif counter.get("field_names") != [auto.column]:
        changes.append(Change(label, table, "repair counter",
                              f"the counter's field names to [{auto.column!r}]", command))
    else:
        changes.append(Change(label, table, "unchanged",
                              f"counter at {seq} is past the highest id stored ({highest})"))
    return changes


def _id_move(connection, model, count):
    """The Change moving djongo 1.x's integer keys into `_id` (module docstring)."""
    label, table, column = model._meta.label, model._meta.db_table, model._meta.auto_field.column
    found = list(connection.executor.documents(
        Command(None, "list_collections", (), {"filter": {"name": table}})))
    options = found[0].get("options", {}) if found else {}
    if options.get("capped") or found and found[0].get("type") != "collection":
        return Change(label, table, "warning",
            f"{count} document(s) keep the integer key under {column!r} beside an ObjectId "
            "_id, as djongo 1.x stored them, and the model reads the key from _id; this "
            f"{'capped collection' if options.get('capped') else 'view'} cannot be copied "
            "with them moved: copy its documents into a new collection by hand.")
    new_key = {"$cond": [{"$isNumber": "$_id"}, "$_id", f"${column}"]}
    repeated = [group["_id"] for group in connection.executor.documents(Command(
        table, "aggregate", ([{"$group": {"_id": new_key, "n": {"$sum": 1}}},
                              {"$match": {"n": {"$gt": 1}}}, {"$sort": {"_id": 1}},
                              {"$limit": 5}],), model=model))]
    if repeated:
        # Checked before anything is written: the copy would fail on its _id index halfway.
        return Change(label, table, "warning",
            f"{count} document(s) keep the integer key under {column!r} beside an ObjectId "
            "_id, as djongo 1.x stored them, but some keys are held by more than one document "
            f"(for example {', '.join(map(str, repeated))}), so they cannot all move into _id: "
            f"give those documents keys of their own, then run adoptdb again.")
    copy = f"{table}__djongo_ids"
    commands = [
        Command(table, "aggregate", ([
            {"$set": {"_id": new_key}},
            {"$unset": column},
            {"$out": copy},
        ],), model=model),
        *index_copy_commands(connection, model, table, copy),
    ]
    validation = {key: options[key] for key in ("validator", "validationLevel",
                                                "validationAction") if key in options}
    if validation:
        commands.append(Command(None, "command", ({"collMod": copy, **validation},),
                                model=model))
    commands.append(Command(copy, "rename", (table,), {"dropTarget": True}, model=model))
    return Change(label, table, "move ids",
                  f"the integer key of {count} document(s) from {column!r} into _id, where "
                  "the model reads it (djongo 1.x kept it beside an ObjectId _id; the "
                  "ObjectIds are dropped, references by the integer find their documents); "
                  f"the collection is copied to {copy!r}, its indexes and validator rebuilt, "
                  "and the copy renamed over it", commands)


def apply(connection, changes):
    """Make the planned changes; a counter only ever goes up ($max), even under a race."""
    for change in changes:
        commands = change.command if isinstance(change.command, list) else [change.command]
        for command in commands:
            if command is not None:
                connection.executor.run(command)
