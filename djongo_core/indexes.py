"""Django's index declarations (field flags, Meta.indexes, UniqueConstraint) as MongoDB indexes."""

from dataclasses import dataclass

from django.db import NotSupportedError
from django.db.models import Index

from djongo_core.collations import collation_key, field_collation
from djongo_core.command import Command
from djongo_core.partial_filters import stored_type_condition
from djongo_core.documents import stored_name
from djongo_core.expression_indexes import index_parts
from djongo_core.sub_milliseconds import hidden_key, keeps_microseconds


@dataclass(frozen=True)
class IndexSpec:
    name: str
    keys: tuple  # ((field, 1 or -1), ...)
    unique: bool = False
    partial_filter: dict | None = None
    collation: tuple | None = None  # the keys' collation document, as pairs (hashable)

    def options(self):
        options = {"name": self.name}
        if self.unique:
            options["unique"] = True
        if self.partial_filter:
            options["partialFilterExpression"] = self.partial_filter
        if self.collation:
            options["collation"] = dict(self.collation)
        return options


def keys_collation(model, fields, what):
    """Return the collation an index on these fields compares under (a collated field's, so
    that a case-insensitive field is unique case-insensitively), or None.

    An index has one collation, like a query: fields of different collations cannot share one.
    """
    names = {}
    for field in fields:
        name = field_collation(field)
        if name:
            names.setdefault(collation_key(name), []).append(f"{field.name} ({name!r})")
    if len(names) > 1:
        raise NotSupportedError(
            f"{what} covers fields of different collations: "
            f"{', '.join(label for labels in names.values() for label in labels)}. A MongoDB "
            "index has a single collation; index these fields separately, or give them one "
            "db_collation."
        )
    return next(iter(names), None)


def _non_null_filter(connection, fields):
    # A unique index in MongoDB counts null as a value; SQL lets any number of NULLs through a
    # unique constraint. A partial filter on the stored type keeps nulls out of nullable unique
    # indexes, so they behave as in SQL.
    conditions = {}
    for model_field in fields:
        condition = stored_type_condition(connection, model_field)
        if condition is not None:
            conditions[stored_name(model_field)] = condition
    return conditions


def _spec(name, keys, unique=False, partial=None, collation=None):
    return IndexSpec(name, tuple(keys), unique, partial or None, collation)


def index_keys(fields_and_directions):
    """Return an index's keys on (field, direction) pairs: each field's stored name and, after
    a datetime whose microseconds are kept, the hidden key holding them (sub_milliseconds.py),
    so that a unique index tells apart values of one millisecond and a sort by the field uses
    the index."""
    keys = []
    for field, direction in fields_and_directions:
        keys.append((stored_name(field), direction))
        if keeps_microseconds(field) and direction in (1, -1):
            keys.append((hidden_key(field.column), direction))
    return keys


def field_index_specs(editor, model, field):
    """Return the indexes a field's own flags ask for (unique, db_index, ForeignKey)."""
    if field.column is None or field.primary_key or field.db_type(editor.connection) is None:
        return []
    table = model._meta.db_table
    column = field.column
    if field.unique or field.db_index:
        _refuse_virtual(model, field, "unique=True" if field.unique else "db_index=True")
    collation = keys_collation(model, [field], f"The index of {model._meta.label}.{field.name}")
    if field.unique:
        partial = _non_null_filter(editor.connection, [field]) if field.null else None
        name = editor._create_index_name(table, [column], suffix="_uniq")
        return [_spec(name, index_keys([(field, 1)]), unique=True, partial=partial,
                      collation=collation)]
    kind = getattr(field, "mongo_index_kind", None)
    if field.db_index and kind is not None:
        # A plugin's field naming its index kind ("2dsphere" for a GeoJSON field) gets that
        # index, under MongoDB's own name for it (location_2dsphere).
        return [_spec(f"{column}_{kind}", [(column, kind)])]
    if field.db_index:
        # Django's own name for a field's index (no suffix), so its tests and tools find it.
        name = editor._create_index_name(table, [column])
        return [_spec(name, index_keys([(field, 1)]), collation=collation)]
    return []


def _refuse_virtual(model, field, what):
    """A virtual generated field is computed when read, so no index can hold its values."""
    if getattr(field, "generated", False) and not field.db_persist:
        raise NotSupportedError(
            f"{what} cannot index {model._meta.label}.{field.name}: it is a virtual "
            "GeneratedField (db_persist=False), computed when read, and MongoDB indexes stored "
            "values only. Make the field db_persist=True to index it."
        )


def _keys_for(model, field_names, what):
    """Return the key pattern and the collation of an index on these fields."""
    keys, fields = [], []
    for name in field_names:
        descending = name.startswith("-")
        model_field = model._meta.get_field(name.removeprefix("-"))
        _refuse_virtual(model, model_field, what)
        keys.append((model_field, -1 if descending else 1))
        fields.append(model_field)
    return index_keys(keys), keys_collation(model, fields, what)


def _condition_filter(editor, model, condition, what):
    if condition is None:
        return None
    from djongo_core.compiler.model_expressions import compile_partial_filter

    return compile_partial_filter(editor.connection, model, condition, what)


def index_spec(editor, model, index):
    """Return the MongoDB index for a Meta.indexes entry (models.Index or a plugin's class)."""
    what = f"Index {index.name!r} on {model._meta.label}"
    partial = _condition_filter(editor, model, index.condition, what)
    if index.contains_expressions:
        keys, collation, _ = _expression_keys_for(model, index, what)
        return _spec(index.name, keys, partial=partial, collation=collation)
    # include= and opclasses= are PostgreSQL's; like Django's other backends, MongoDB ignores
    # them (supports_covering_indexes is False).
    keys, collation = _keys_for(model, index.fields_orders and [
        ("-" if order == "DESC" else "") + name for name, order in index.fields_orders
    ], what)
    return _spec(index.name, keys, partial=partial, collation=collation)


def unique_constraint_spec(editor, model, constraint):
    """Return the unique index that enforces a UniqueConstraint."""
    what = f"UniqueConstraint {constraint.name!r} on {model._meta.label}"
    if constraint.deferrable is not None:
        raise NotSupportedError(f"{what} is deferrable; MongoDB checks uniqueness on every write.")
    hidden = []
    if constraint.contains_expressions:
        keys, collation, fields = _expression_keys_for(model, constraint, what)
        hidden = [key for key, _ in keys if key not in {stored_name(f) for f in fields}]
    else:
        keys, collation = _keys_for(model, constraint.fields, what)
        fields = [model._meta.get_field(name) for name in constraint.fields]
    partial = _condition_filter(editor, model, constraint.condition, what)
    if constraint.nulls_distinct is not False:
        if any(f.null for f in fields):
            partial = _both(partial, _non_null_filter(editor.connection, fields))
        if hidden:
            # An expression's NULL leaves its key out of the document (expression_indexes.py):
            # documents without it are not in the index, so NULLs are distinct, as in SQL.
            partial = _both(partial, {key: {"$exists": True} for key in hidden})
    return _spec(constraint.name, keys, unique=True, partial=partial, collation=collation)


def _expression_keys_for(model, declaration, what):
    """Return the key pattern, the collation and the plain fields of an index on expressions
    (expression_indexes.py: a column for an expression that is only a column, else a hidden
    key the server keeps computed)."""
    keys, fields, collated = [], [], {}
    by_column = {stored_name(f): f for f in model._meta.concrete_fields}
    for part in index_parts(model, declaration):
        keys.append((part.column, part.direction))
        if part.key is None:
            _refuse_virtual(model, by_column[part.column], what)
            fields.append(by_column[part.column])
        if part.collation:
            collated.setdefault(collation_key(part.collation), set()).add(part.collation)
    if not collated:
        return keys, keys_collation(model, fields, what), fields
    # Collate() in the index: the index compares under that collation, and has only one.
    if len(collated) > 1:
        names = sorted(name for names in collated.values() for name in names)
        raise NotSupportedError(
            f"{what} collates its keys differently ({', '.join(names)}); a MongoDB index has "
            "a single collation: index them separately.")
    return keys, next(iter(collated)), fields


def _both(first, second):
    """Return a partial filter matching what both filters match."""
    if not first:
        return second
    if first.keys().isdisjoint(second):
        return {**first, **second}
    return {"$and": [first, second]}


def builds_own_index(index):
    """Return whether an index class builds its MongoDB index itself (an index kind of a plugin).

    Django's extension point for index kinds is an Index subclass overriding create_sql() and
    remove_sql(); on this backend they return the Command that creates or drops the index.
    """
    return type(index).create_sql is not Index.create_sql


def own_index_command(editor, model, index, method):
    """Return the Command of an index kind's create_sql or remove_sql, refusing anything else."""
    command = getattr(index, method)(model, editor)
    if not isinstance(command, Command):
        raise NotSupportedError(
            f"{type(index).__name__} {index.name!r} on {model._meta.label} returned "
            f"{type(command).__name__} from {method}(), which MongoDB cannot run. Use "
            "models.Index or an index class made for djongo-core (djongo-indexes)."
        )
    return command


def declared_keys(info):
    """Return the key pattern of an index the server lists, as it was declared.

    MongoDB lists a text index under the keys {"_fts": "text", "_ftsx": 1}, with the indexed
    fields in its weights; they are given back as (field, "text") pairs, in place.
    """
    keys = list(info["key"].items()) if isinstance(info["key"], dict) else list(info["key"])
    if ("_fts", "text") not in keys:
        return keys
    position = keys.index(("_fts", "text"))
    text_keys = [(field, "text") for field in info.get("weights", {})]
    rest = [key for key in keys if key[0] not in ("_fts", "_ftsx")]
    return [*rest[:position], *text_keys, *rest[position:]]


def index_copy_commands(connection, model, source, target):
    """Return the create_index Commands giving collection ``target`` the secondary indexes
    ``source`` has now (as listIndexes reports them), for a collection rebuilt as a copy."""
    commands = []
    for index in connection.executor.documents(Command(source, "list_indexes", model=model)):
        if index["name"] == "_id_":
            continue
        # listIndexes reports options; false ones (the embedded engine lists unique: false)
        # are the defaults create_index needs no word about.
        options = {key: value for key, value in index.items()
                   if key not in ("key", "v", "ns") and value is not False}
        commands.append(Command(target, "create_index", (list(index["key"].items()),), options,
                                model=model))
    return commands
