"""What migrations declared about each collection, kept in its `__schema__` entry.

A collection's documents need not share a shape, and an empty collection shows none, so reading
documents alone cannot say which fields a model gave it. The schema editor therefore records each
field it creates next to the collection's counter:

    {"name": "<collection>",
     "auto": {"field_names": ["id"], "seq": 12},                 # counters.py
     "fields": {"id": {"type": "AutoField", "db_type": "int", "null": false,
                       "primary_key": true},
                "name": {"type": "CharField", "db_type": "string", "null": false,
                         "max_length": 30},
                "year": {"type": "IntegerField", "db_type": "int", "null": false,
                         "db_default": 1988},
                "shop_id": {"type": "IntegerField", "db_type": "int", "null": true,
                            "references": {"table": "shop", "column": "id"}}}}

"type" is the Django field type, "db_type" the BSON type its values are stored as. db_comment
and db_table_comment are kept as "comment" (of a field, of the entry): MongoDB has no comments,
and this is where inspectdb finds them again.

Introspection reports these declared fields first (in declaration order) and samples documents
for the rest, which is all there is on a database Django did not create.
"""

from django.db.models import CompositePrimaryKey

from djongo_core.backfill import db_default_literal
from djongo_core.command import Command
from djongo_core.counters import SCHEMA_COLLECTION

_AUTO_TO_PLAIN = {
    "AutoField": "IntegerField",
    "BigAutoField": "BigIntegerField",
    "SmallAutoField": "SmallIntegerField",
}


# Field types that store what a CharField stores; introspection reports them as CharField, as
# Django's SQL backends do (their columns are varchar).
_STORED_AS_CHARFIELD = {"FileField", "FilePathField", "SlugField"}


def field_type(field):
    """Return the Django type a field's stored values have (a relation's is its target's)."""
    if field.is_relation and field.target_field is not None and field.concrete:
        target = field.target_field.get_internal_type()
        return _AUTO_TO_PLAIN.get(target, target)
    internal = field.get_internal_type()
    return "CharField" if internal in _STORED_AS_CHARFIELD else internal


def describe(field, connection):
    """Return the declaration of one concrete field as kept in `__schema__`."""
    declaration = {"type": field_type(field), "db_type": field.db_type(connection),
                   "null": bool(field.null)}
    is_literal, value = db_default_literal(field, connection)
    if is_literal:
        declaration["db_default"] = value
    if field.primary_key:
        declaration["primary_key"] = True
    if getattr(field, "generated", False):
        # Computed by the ORM on every write ("stored") or on every read ("virtual").
        declaration["generated"] = "stored" if field.db_persist else "virtual"
    if field.is_relation and field.concrete and field.target_field is not None:
        # What it refers to, so that inspectdb writes a ForeignKey back (nothing enforces it).
        declaration["references"] = {"table": field.target_field.model._meta.db_table,
                                     "column": field.target_field.column}
    for attribute in ("max_length", "max_digits", "decimal_places"):
        value = getattr(field, attribute, None)
        if value is not None:
            declaration[attribute] = int(value)
    if field.db_comment:
        declaration["comment"] = str(field.db_comment)
    collation = getattr(field, "db_collation", None)
    if collation:  # may be a lazy object standing for None
        declaration["db_collation"] = str(collation)
    return declaration


def stored_fields(model, connection):
    """Return the concrete fields of a model that are stored in its documents."""
    return [
        field for field in model._meta.local_concrete_fields
        if field.column is not None and field.db_type(connection) is not None
    ]


def declare_model(model, connection):
    """Return the update that records every stored field of a new collection."""
    fields = {field.column: describe(field, connection)
              for field in stored_fields(model, connection)}
    entry = {"fields": fields}
    if isinstance(model._meta.pk, CompositePrimaryKey):
        # No field is the key (the _id is the driver's ObjectId): the key's columns, in order.
        entry["primary_key"] = [field.column for field in model._meta.pk.fields]
    if model._meta.db_table_comment:
        entry["comment"] = str(model._meta.db_table_comment)
    return Command(SCHEMA_COLLECTION, "update_one", (
        {"name": model._meta.db_table}, {"$set": entry},
    ), {"upsert": True})


def declare_checks(model, checks, column_checks=None):
    """Return the update that records the CheckConstraints a collection's validator holds, by
    name with the columns they read (MongoDB keeps no names for validator clauses), and its
    column checks ({name: [column]}, compiler/check.py)."""
    def column(name):
        return (model._meta.pk if name == "pk" else model._meta.get_field(name)).column

    entry = dict(column_checks or {})
    entry.update({constraint.name: sorted(map(column, constraint.condition.referenced_base_fields))
                  for constraint in checks})
    return Command(SCHEMA_COLLECTION, "update_one", (
        {"name": model._meta.db_table}, {"$set": {"checks": entry}},
    ), {"upsert": True})


def declare_constraint_kind(model, constraint, present):
    """Return the update that records (present) or forgets a plugin constraint kind, by name
    with its class, so that introspection reports it (MongoDB has no named constraints)."""
    key = f"constraints.{constraint.name}"
    kind = f"{type(constraint).__module__}.{type(constraint).__qualname__}"
    update = {"$set": {key: {"kind": kind}}} if present else {"$unset": {key: ""}}
    return Command(SCHEMA_COLLECTION, "update_one", ({"name": model._meta.db_table}, update),
                   {"upsert": True}, model=model)


def comment_table(table, comment):
    """Return the update that records (or, for an empty comment, removes) a table comment."""
    update = {"$set": {"comment": str(comment)}} if comment else {"$unset": {"comment": ""}}
    return Command(SCHEMA_COLLECTION, "update_one", ({"name": table}, update), {"upsert": True})


def declare_field(table, field, connection, old_column=None):
    """Return the update that records one added or altered field (replacing old_column)."""
    update = {"$set": {f"fields.{field.column}": describe(field, connection)}}
    if old_column is not None and old_column != field.column:
        update["$unset"] = {f"fields.{old_column}": ""}
    return Command(SCHEMA_COLLECTION, "update_one", ({"name": table}, update), {"upsert": True})


def declare_primary_key(table, columns):
    """Return the update that records a composite key's columns (None: the key is gone)."""
    update = {"$set": {"primary_key": list(columns)}} if columns else {
        "$unset": {"primary_key": ""}}
    return Command(SCHEMA_COLLECTION, "update_one", ({"name": table}, update), {"upsert": True})


def forget_field(table, column):
    """Return the update that removes one field's declaration."""
    return Command(SCHEMA_COLLECTION, "update_one", (
        {"name": table}, {"$unset": {f"fields.{column}": ""}},
    ))


def declared_entry(connection, table):
    """Return what `__schema__` records for a collection: "fields" {column: declaration},
    "checks" {constraint name: columns}, "constraints" {name: {"kind": class path}} of plugin
    constraint kinds, "options" (collection_options.py), "primary_key" (a composite key's
    columns)... ({} when
    nothing is). One read, for introspection to take every part it needs from."""
    return connection.executor.run(
        Command(SCHEMA_COLLECTION, "find_one", ({"name": table},))) or {}
