"""Keeping a collection's options (its validator and the like) what the model says they are.

The options a collection should have come from the plugins (djongo_provide_collection_options)
and from the model's CheckConstraints (clauses of the validator). They are given to
create_collection, and after every later change to the model the schema editor compares them with
what the server holds and sends the difference with collMod.

Only the options Django manages are compared: the ones wanted now and the ones it applied
before, recorded in the collection's `__schema__` entry under "options" (a validator a database
administrator added by hand is left alone). Options collMod cannot change are refused, never
dropped silently.
"""

from django.db import NotSupportedError

from djongo_core.command import Command
from djongo_core.counters import SCHEMA_COLLECTION

#: The options collMod changes in place, each with the value that turns it off: what an option
#: Django applied before and no longer wants is set back to.
CHANGEABLE = {
    "validator": {},
    "validationLevel": "strict",
    "validationAction": "error",
    "changeStreamPreAndPostImages": {"enabled": False},
}


def collmod_command(model, current, wanted, recorded):
    """Return the collMod that turns ``current`` (the server's options) into ``wanted`` for the
    options Django manages, or None when nothing differs.

    ``recorded`` are the options applied last time; one no longer wanted goes back to its
    default. A changed option collMod cannot change is a NotSupportedError.
    """
    table = model._meta.db_table
    changes, fixed = {}, []
    for option in sorted({*wanted, *recorded}):
        if option in wanted:
            target = wanted[option]
        elif option in CHANGEABLE:
            target = CHANGEABLE[option]
        else:
            continue  # a creation-time option (capped, collation...) that stays as it is
        if current.get(option, CHANGEABLE.get(option)) == target:
            continue
        if option in CHANGEABLE:
            changes[option] = target
        else:
            fixed.append(option)
    if fixed:
        raise NotSupportedError(
            f"{model._meta.label}: the collection option(s) {', '.join(fixed)} of {table!r} "
            f"would change ({', '.join(f'{o}: {current.get(o)!r} -> {wanted[o]!r}' for o in fixed)}),"
            " and MongoDB fixes them when a collection is created (collMod cannot change them). "
            "Use the plugin's migration operation for the change when it has one, or create a "
            "new model and copy the documents over in a RunPython step."
        )
    if not changes:
        return None
    return Command(None, "command", ({"collMod": table, **changes},), model=model)


def server_options(connection, table):
    """Return the options the server holds for a collection ({} when it does not exist)."""
    collections = list(connection.executor.documents(
        Command(None, "list_collections", (), {"filter": {"name": table}})))
    return collections[0].get("options", {}) if collections else {}


def record_command(model, options):
    """Return the update recording the options Django applied to the model's collection."""
    update = {"$set": {"options": options}} if options else {"$unset": {"options": ""}}
    return Command(SCHEMA_COLLECTION, "update_one", ({"name": model._meta.db_table}, update),
                   {"upsert": True}, model=model)


def recorded_options(entry):
    """Return the options recorded in a `__schema__` entry. Entries written before options
    were recorded name their CheckConstraints: their validator is Django's too."""
    options = dict(entry.get("options") or {})
    if entry.get("checks") and "validator" not in options:
        options["validator"] = None
    return options
