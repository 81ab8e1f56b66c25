"""CappedCollection: a model's collection as a MongoDB capped collection (Meta.constraints).

A capped collection keeps at most ``size`` bytes (and, with ``max``, at most that many
documents) in insertion order; when an insert would go past either bound MongoDB removes the
oldest documents. It is what tailable cursors need.

The constraint kind runs through the schema editor as any other (docs/plugin-hooks.md):

- CreateModel: the collection is created capped (the plugin's djongo_provide_collection_options
  gives ``capped``, ``size`` and ``max`` to ``create_collection``), so create_sql has nothing
  left to do.
- AddConstraint on an existing collection: ``convertToCapped`` (MongoDB keeps the newest
  documents that fit in ``size``), ``collMod cappedMax`` when ``max`` is set (convertToCapped
  has no max), then the secondary indexes again: convertToCapped keeps only the ``_id`` index.
- RemoveConstraint: MongoDB cannot turn a capped collection back, so the documents are copied
  (``$out``) into a new collection, the indexes rebuilt on it, and it is renamed over the
  capped one (``dropTarget``). The copy takes as long as the collection is big.
"""

from django.core.checks import Tags, register
from django.db import NotSupportedError
from django.db.models import BaseConstraint

from djongo_core.plugins import Command, index_copy_commands

def capped_constraint(model):
    """Return the model's CappedCollection, or None."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, CappedCollection):
            return constraint
    return None


class CappedCollection(BaseConstraint):
    """Keep the model's collection capped at ``size`` bytes and, optionally, ``max`` documents."""

    def __init__(self, *, size, max=None, name, violation_error_message=None):
        self.size = size
        self.max = max
        super().__init__(name=name, violation_error_message=violation_error_message)

    # -- Django's constraint protocol ---------------------------------------------------------

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        path = path.replace("djongo_tailable.capped", "djongo_tailable")
        kwargs["size"] = self.size
        if self.max is not None:
            kwargs["max"] = self.max
        return path, args, kwargs

    def __eq__(self, other):
        if isinstance(other, CappedCollection):
            return (self.name, self.size, self.max) == (other.name, other.size, other.max)
        return super().__eq__(other)

    def __repr__(self):
        max_part = f" max={self.max}" if self.max is not None else ""
        return f"<{type(self).__name__}: name={self.name!r} size={self.size}{max_part}>"

    def check(self, model, connection):
        from djongo_tailable.checks import check_capped

        # BaseConstraint.check() is Django 6.0's; on 5.2 there is nothing of Django's to add.
        inherited = getattr(super(), "check", None)
        return [*(inherited(model, connection) if inherited else ()),
                *check_capped(self, model, connection)]

    def validate(self, model, instance, exclude=None, using=None):
        """Nothing to check per instance: the bounds remove old documents, they refuse none."""

    def constraint_sql(self, model, schema_editor):
        return None

    # -- what migrate runs --------------------------------------------------------------------

    def collection_options(self):
        """The options create_collection takes for this collection."""
        options = {"capped": True, "size": self.size}
        if self.max is not None:
            options["max"] = self.max
        return options

    def create_sql(self, model, schema_editor):
        table = model._meta.db_table
        current = _collection_info(schema_editor.connection, table)
        if current is None:
            # sqlmigrate of a CreateModel: create_collection (shown before) carries the options.
            return None
        options = current.get("options", {})
        if options.get("capped"):
            return self._resize(model, table, options)
        commands = [Command(None, "command", ({"convertToCapped": table, "size": self.size},),
                            model=model)]
        if self.max is not None:
            commands.append(Command(None, "command", ({"collMod": table, "cappedMax": self.max},),
                                    model=model))
        # convertToCapped rebuilds the collection with only its _id index.
        commands.extend(index_copy_commands(schema_editor.connection, model, table, table))
        return commands

    def _resize(self, model, table, options):
        """collMod for a capped collection whose bounds differ (MongoDB 6.0+), else None."""
        changes = {}
        if options.get("size") != self.size:
            changes["cappedSize"] = self.size
        if options.get("max") != self.max:
            if self.max is None:
                raise NotSupportedError(
                    f"{model._meta.label}: capped collection {table!r} keeps at most "
                    f"{options.get('max')} documents, and MongoDB cannot lift a max once set. "
                    "Remove the CappedCollection in one migration and add it back without max "
                    "in the next (the documents are copied)."
                )
            changes["cappedMax"] = self.max
        if not changes:
            return None
        return Command(None, "command", ({"collMod": table, **changes},), model=model)

    def remove_sql(self, model, schema_editor):
        table = model._meta.db_table
        copy = f"{table}__uncapped"
        return [
            Command(table, "aggregate", ([{"$out": copy}],), model=model),
            *index_copy_commands(schema_editor.connection, model, table, copy),
            Command(copy, "rename", (table,), {"dropTarget": True}, model=model),
        ]


def creation_options(connection, model):
    """The capped options of create_collection, while the collection does not exist yet.

    Asked again after every later change to the model, the hook answers None for an existing
    collection: capped, size and max are fixed at creation, and this constraint kind changes
    them (convertToCapped, collMod, a copy) when the model's CappedCollection changes.
    """
    if _collection_info(connection, model._meta.db_table) is not None:
        return None
    return capped_constraint(model).collection_options()


def _collection_info(connection, table):
    found = list(connection.executor.documents(
        Command(None, "list_collections", (), {"filter": {"name": table}})))
    return found[0] if found else None


# Django 5.2 never calls a constraint's check(): there, the same checks run as a system check of
# the models.
if not hasattr(BaseConstraint, "check"):
    from djongo_tailable.checks import check_all_capped_models

    register(check_all_capped_models, Tags.models)
