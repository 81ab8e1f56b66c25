"""watch(): a QuerySet's changes as MongoDB's change stream reports them.

``Order.objects.filter(status="paid").watch()`` opens ``db.shop_order.watch(pipeline)``: the
QuerySet's filter, compiled as for a find, applies to each change's ``fullDocument`` (so
updates are looked up, ``fullDocument: "updateLookup"``, unless asked otherwise); deletes carry
no document and are reported for every document of the collection. Each change comes back as a
Change: the operation, the primary key, the instance (built from the full document when there
is one), the fields an update set or removed, and the resume token to start again after it.

Change streams need a replica set (or a sharded cluster): MongoDB refuses them on a standalone
server, and so does this module, saying so, before opening one. The embedded engine has them
(docs/engine-deviations.md#change-streams-missing says what differs).
"""

import contextvars
import time
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, connections

from djongo_core.plugins import Command, hidden_keys, stored_name, stored_value

OPERATIONS = ("insert", "update", "replace", "delete")
FULL_DOCUMENT_CHOICES = ("default", "updateLookup", "whenAvailable", "required")

_captured = contextvars.ContextVar("djongo_tailable_watch_plan", default=None)


@dataclass
class Change:
    """One change of a watched collection."""

    operation: str                      # insert, update, replace, delete (or drop, invalidate...)
    pk: object                          # the document's _id (None for collection-wide events)
    instance: object                    # the model instance of the full document, when there is one
    updated_fields: dict = field(default_factory=dict)   # field name -> new stored value
    removed_fields: list = field(default_factory=list)   # field names an update unset
    resume_token: dict = None
    cluster_time: object = None
    event: dict = field(default_factory=dict, repr=False)  # the change event as MongoDB sent it


def capture_plan(plan):
    """djongo_plan_query's part: keep the plan of the QuerySet a watch() compiles."""
    box = _captured.get()
    if box is not None:
        box.append(plan)


def change_stream_pipeline(queryset, operations=None):
    """The $match stages of a watch() of ``queryset`` (the QuerySet's filter on fullDocument)."""
    label = queryset.model._meta.label
    operations = list(operations or OPERATIONS)
    for operation in operations:
        if operation not in OPERATIONS:
            raise ValueError(f"watch(operations=...) takes {', '.join(OPERATIONS)}, not "
                             f"{operation!r}.")
    box = []
    token = _captured.set(box)
    try:
        connection = connections[queryset.db]
        queryset.order_by().query.get_compiler(connection=connection).as_sql()
    finally:
        _captured.reset(token)
    command = box[-1].command
    if command.operation != "find":
        raise NotSupportedError(
            f"{label}.objects.watch() filters changes on the model's own fields; this QuerySet "
            "compiles to an aggregation pipeline (a join, an annotation or an expression)."
        )
    query_filter = _on_full_document(command.args[0], label)
    kinds = {"operationType": {"$in": operations}}
    if not query_filter:
        return [{"$match": kinds}]
    if "delete" in operations:
        # A delete event carries only the documentKey: it cannot be filtered on fields.
        query_filter = {"$or": [{"operationType": "delete"}, query_filter]}
    return [{"$match": kinds}, {"$match": query_filter}]


def _on_full_document(query_filter, label):
    result = {}
    for key, value in query_filter.items():
        if key in ("$and", "$or", "$nor"):
            result[key] = [_on_full_document(part, label) for part in value]
        elif key.startswith("$"):
            raise NotSupportedError(
                f"{label}.objects.watch() cannot apply a {key} condition to change events; "
                "filter with plain field lookups."
            )
        else:
            result[f"fullDocument.{key}"] = value
    return result


def require_change_streams(connection, label):
    """Refuse, saying why, a server that has no change streams."""
    host = connection.settings_dict.get("HOST") or ""
    if isinstance(host, str) and host.startswith("embedded:"):
        # The embedded engine answers change streams (through its shim) although its hello
        # describes a standalone server.
        return
    hello = connection.executor.run(Command(None, "command", ("hello",)))
    if "setName" not in hello and hello.get("msg") != "isdbgrid":
        raise ImproperlyConfigured(
            f"{label}.objects.watch() needs a replica set or a sharded cluster: database "
            f"{connection.alias!r} is a standalone MongoDB server, which has no change "
            "streams. Start it as a one-member replica set (mongod --replSet rs0, then "
            "rs.initiate()) and add ?replicaSet=rs0 to HOST."
        )


def watch_queryset(queryset, *, full_document=None, full_document_before_change=None,
                   resume_after=None, start_after=None, start_at_operation_time=None,
                   operations=None, await_ms=1000, timeout=None, stop=None, batch_size=None):
    """Yield Change objects for ``queryset``'s documents (watch())."""
    model = queryset.model
    label = model._meta.label
    connection = connections[queryset.db]
    pipeline = change_stream_pipeline(queryset, operations)
    if full_document is None and len(pipeline) > 1:
        # The filter reads fullDocument, which updates carry only when looked up.
        full_document = "updateLookup"
    if full_document is not None and full_document not in FULL_DOCUMENT_CHOICES:
        raise ValueError(f"watch(full_document=...) is one of {FULL_DOCUMENT_CHOICES}.")
    require_change_streams(connection, label)
    options = {"max_await_time_ms": int(await_ms)}
    for key, value in (("full_document", full_document),
                       ("full_document_before_change", full_document_before_change),
                       ("resume_after", resume_after), ("start_after", start_after),
                       ("start_at_operation_time", start_at_operation_time),
                       ("batch_size", batch_size)):
        if value is not None:
            options[key] = value
    return Changes(connection, model, pipeline, options, timeout, stop)


class Changes:
    """The iterator watch() returns; the change stream is open from the start, so changes made
    after watch() returned are reported even before the first next()."""

    def __init__(self, connection, model, pipeline, options, timeout, stop):
        self.connection = connection
        self.model = model
        self.timeout = timeout
        self.stop = stop
        self.stream = connection.executor.run(
            Command(model._meta.db_table, "watch", (pipeline,), options, model=model))
        self.names = {stored_name(f): f.name for f in model._meta.concrete_fields}
        self.last = time.monotonic()

    @property
    def resume_token(self):
        """Where to resume after the last change read (or after the last empty wait)."""
        return self.stream.resume_token

    def __iter__(self):
        return self

    def __next__(self):
        while self.stream.alive:
            if self.stop is not None and self.stop.is_set():
                break
            event = self.stream.try_next()
            if event is None:
                if self.timeout is not None and time.monotonic() - self.last >= self.timeout:
                    break
                continue
            self.last = time.monotonic()
            return _change(self.connection, self.model, self.names, event)
        self.close()
        raise StopIteration

    def close(self):
        self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _change(connection, model, names, event):
    description = event.get("updateDescription") or {}
    document = event.get("fullDocument")
    # The keys the backend keeps for indexes on expressions are not the model's fields.
    hidden = set(hidden_keys(model))
    return Change(
        operation=event.get("operationType"),
        pk=(event.get("documentKey") or {}).get("_id"),
        instance=None if document is None else instance_from_document(connection, model,
                                                                      document),
        updated_fields={names.get(key, key): value
                        for key, value in (description.get("updatedFields") or {}).items()
                        if key not in hidden},
        removed_fields=[names.get(key, key) for key in description.get("removedFields") or []
                        if key not in hidden],
        resume_token=event.get("_id"),
        cluster_time=event.get("clusterTime"),
        event=event,
    )


def instance_from_document(connection, model, document):
    """The model instance a stored document stands for, as the ORM would read it."""
    fields = model._meta.concrete_fields
    values = []
    for model_field in fields:
        value = stored_value(document, model_field)
        column = model_field.get_col(model._meta.db_table)
        converters = (connection.ops.get_db_converters(column)
                      + model_field.get_db_converters(connection))
        for converter in converters:
            value = converter(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], values)
