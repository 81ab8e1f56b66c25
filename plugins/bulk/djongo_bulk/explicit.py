"""bulk_write(): an explicit list of writes for one model, with Django's values and expressions.

Each operation is compiled by the ORM itself (`bulk_create()` for the documents of Insert,
Replace and Upsert, `update()` for Update, a raw delete for Delete), and the commands the ORM
would run are collected instead of run (the block's machinery, in capture mode). All of them
are then sent as one bulk write, ordered or not, and the result returned.
"""

from django.db import NotSupportedError, connections, models
from django.db.models import Q
from django.db.models.sql import DeleteQuery
from django.db.models.sql.constants import ROW_COUNT

from djongo_core.plugins import stored_name
from djongo_bulk.block import Batch, current_batch, pop, push
from djongo_bulk.sending import send
from djongo_bulk.settings import settings_of


class Insert:
    """Insert the object, as bulk_create() does (no save() signals); it gets its key at once."""

    def __init__(self, obj):
        self.obj = obj

    def compile(self, queryset, capture):
        _check_instance(queryset, self.obj, "Insert")
        queryset.bulk_create([self.obj])
        for operation in capture:
            operation.obj = self.obj

    def __repr__(self):
        return f"Insert({self.obj!r})"


class Update:
    """Update every document the filter matches: `Update(Q(sku="A"), price=F("price") * 2)`.

    The filter is a Q, a dict of lookups, or None for every document of the QuerySet; values
    are what QuerySet.update() takes (values, F() expressions, functions)."""

    def __init__(self, filter=None, /, **values):  # noqa: A002 - the name users know
        if not values:
            raise ValueError("Update() needs at least one field to set, as QuerySet.update().")
        self.filter = filter
        self.values = values

    def compile(self, queryset, capture):
        queryset.filter(_condition(self.filter)).update(**self.values)

    def __repr__(self):
        return f"Update({self.filter!r}, {', '.join(self.values)})"


class Delete:
    """Delete every document the filter matches, as one deleteMany.

    No cascades and no signals, as `QuerySet._raw_delete()`: use `obj.delete()` inside a
    bulk_writes() block for Django's collector."""

    def __init__(self, filter):  # noqa: A002
        self.filter = filter

    def compile(self, queryset, capture):
        query = queryset.filter(_condition(self.filter)).query.chain(DeleteQuery)
        query.get_compiler(queryset.db).execute_sql(ROW_COUNT)

    def __repr__(self):
        return f"Delete({self.filter!r})"


class Replace:
    """Replace the stored document of the object (by its key) with the object's fields.

    Unlike save(), keys of the document that are no field of the model are gone afterwards.
    With upsert=True a missing document is inserted."""

    def __init__(self, obj, upsert=False):
        self.obj = obj
        self.upsert = upsert

    def compile(self, queryset, capture):
        _check_instance(queryset, self.obj, "Replace")
        if self.obj.pk is None:
            raise ValueError(f"Replace() needs an object with a primary key; {self.obj!r} has "
                             "none. Use Insert() for new objects.")
        queryset.bulk_create([self.obj])
        (operation,) = capture
        operation.kind, operation.obj, operation.upsert = "replaceOne", self.obj, self.upsert
        operation.filter = {"_id": operation.document["_id"]}

    def __repr__(self):
        return f"Replace({self.obj!r})"


class Upsert:
    """Update the document matching `lookup` with `defaults`, or insert one made of both.

    `Upsert(lookup={"sku": "A-1"}, defaults={"price": 3})` is update_or_create() in one
    request: the lookup names fields with their exact values (they make the new document,
    with the model's defaults for the other fields); defaults are values, not expressions.
    A new document takes an integer key from the counter (drawn even if the upsert updates).
    """

    def __init__(self, lookup, defaults=None):
        if not lookup:
            raise ValueError("Upsert() needs a lookup naming the document to update.")
        self.lookup = dict(lookup)
        self.defaults = dict(defaults or {})

    def compile(self, queryset, capture):
        model = queryset.model
        fields = {name: _field(model, name, "Upsert") for name in (*self.lookup, *self.defaults)}
        for name, value in {**self.lookup, **self.defaults}.items():
            if hasattr(value, "resolve_expression"):
                raise NotSupportedError(
                    f"Upsert() on {model._meta.label}: {name}={value!r} is an expression; an "
                    "upsert writes values. Use Update() for expressions."
                )
        queryset.bulk_create([model(**self.lookup, **self.defaults)])
        (operation,) = capture
        document = operation.document
        match = {stored_name(fields[name]): document.get(stored_name(fields[name]))
                 for name in self.lookup}
        written = [stored_name(fields[name]) for name in self.defaults]
        update = {}
        assignments = {key: document[key] for key in written if key in document}
        if assignments:
            update["$set"] = assignments
        absent = [key for key in written if key not in document]
        if absent:
            update["$unset"] = dict.fromkeys(absent, "")
        on_insert = {key: value for key, value in document.items()
                     if key not in written and key not in match}
        update["$setOnInsert"] = on_insert or match
        operation.kind, operation.filter, operation.document = "updateOne", match, update
        operation.upsert = True

    def __repr__(self):
        return f"Upsert({self.lookup!r}, {self.defaults!r})"


OPERATIONS = (Insert, Update, Delete, Replace, Upsert)


def bulk_write(queryset, operations, ordered=True):
    """Send the operations as one bulk write on the QuerySet's model and database; return its
    BulkResult, or raise BulkWriteError naming each failed operation by its position.

    `queryset` is a QuerySet or a model (its default manager). Inside a bulk_writes() block
    the block's queue is sent first.
    """
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset._default_manager.all()
    operations = list(operations)
    for position, operation in enumerate(operations):
        if not isinstance(operation, OPERATIONS):
            raise TypeError(
                f"bulk_write() operation {position} is {operation!r}; give Insert, Update, "
                "Delete, Replace or Upsert objects (from djongo_bulk)."
            )
    connection = connections[queryset.db]
    settings = settings_of(connection)
    outer = current_batch(connection)
    if outer is not None:
        if outer.capture:
            raise NotSupportedError("bulk_write() cannot run while another one compiles.")
        outer.flush()
    batch = Batch(connection, ordered, len(operations) or 1, False, settings, capture=True)
    new_documents = sum(isinstance(operation, (Insert, Upsert)) for operation in operations)
    with connection.counters.reserving_ahead(max(new_documents, 1)):
        push(connection, batch)
        try:
            for position, operation in enumerate(operations):
                start = len(batch.operations)
                operation.compile(queryset, _Captured(batch, start))
                for queued in batch.operations[start:]:
                    queued.index, queued.source = position, operation
        finally:
            pop(connection, batch)
    return send(connection, batch.operations, ordered, settings)


class _Captured:
    """The operations one bulk_write() operation compiled to (a live view of the batch)."""

    def __init__(self, batch, start):
        self.batch, self.start = batch, start

    def __iter__(self):
        return iter(self.batch.operations[self.start:])


class BulkWriteQuerySet(models.QuerySet):
    """A QuerySet with bulk_write(): `objects = BulkWriteManager()` on a model."""

    def bulk_write(self, operations, ordered=True):
        return bulk_write(self, operations, ordered=ordered)


BulkWriteManager = models.Manager.from_queryset(BulkWriteQuerySet, "BulkWriteManager")


def _condition(filter):  # noqa: A002
    if filter is None:
        return Q()
    if isinstance(filter, dict):
        return Q(**filter)
    if isinstance(filter, Q) or getattr(filter, "conditional", False):
        return filter
    raise TypeError(f"A bulk_write() filter is a Q, a dict of lookups or None, not {filter!r}.")


def _check_instance(queryset, obj, name):
    if not isinstance(obj, queryset.model):
        raise TypeError(f"{name}() on {queryset.model._meta.label} got {obj!r}, which is no "
                        f"{queryset.model.__name__}.")


def _field(model, name, what):
    if name == "pk":
        return model._meta.pk
    try:
        field = model._meta.get_field(name)
    except Exception:
        field = next((f for f in model._meta.concrete_fields if f.attname == name), None)
        if field is None:
            raise
    if not field.concrete or "__" in name:
        raise ValueError(f"{what}() on {model._meta.label}: {name!r} is no field of the model; "
                         "name its fields with exact values.")
    return field
