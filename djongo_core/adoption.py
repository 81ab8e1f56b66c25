"""Adopting a MongoDB database Django did not create: the `__schema__` entries it needs.

Integer AutoFields take their values from `__schema__` counters. On a database whose documents
were written by something else, a missing counter starts at 1 and a stale one lags behind the
stored ids; either way new objects would be given ids that are already taken (inserts never
overwrite, so they would fail on the `_id` index instead). Adoption sets each counter to the
highest integer id stored, never lowering one, and records the model's fields the way `migrate`
would have, so introspection and later migrations see them. Running it twice changes nothing.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import router

from djongo_core import catalog, progress
from djongo_core.command import Command
from djongo_core.counters import raise_command
from djongo_core.keys import INTEGER_AUTO_FIELDS


@dataclass
class Change:
    """What adoption does (or, in a dry run, would do) for one collection."""

    model: str
    collection: str
    action: str  # create/raise/repair counter, record fields, unchanged, warning
    detail: str
    command: object = None  # the Command that makes the change, when there is one

    def describe(self, dry_run):
        verb = {"create counter": "would create" if dry_run else "created",
                "raise counter": "would raise" if dry_run else "raised",
                "repair counter": "would repair" if dry_run else "repaired",
                "record fields": "would record" if dry_run else "recorded"}.get(self.action)
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
    foreign = connection.executor.run(Command(
        table, "count_documents", ({"_id": {"$not": {"$type": "number"}}},), model=model))
    if foreign:
        changes.append(Change(label, table, "warning",
            f"{foreign} document(s) have an _id that is not an integer; the model's "
            f"{auto.get_internal_type()} cannot address them (djongo_core.fields."
            "ObjectIdAutoField can, for ObjectId keys)."))
    highest = connection.counters.highest_id(table)
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


def apply(connection, changes):
    """Make the planned changes; a counter only ever goes up ($max), even under a race."""
    for change in changes:
        if change.command is not None:
            connection.executor.run(change.command)
