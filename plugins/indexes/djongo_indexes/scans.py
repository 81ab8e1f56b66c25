"""An opt-in warning, in DEBUG, for queries that read a whole large collection.

    DATABASES["default"]["INDEXES"] = {"warn_scans_above": 1000}

With DEBUG on, the filter of each find, aggregate (its opening $match), update and delete is
explained once per collection and index it would need. When MongoDB's chosen plan is a
collection scan (COLLSCAN) and the collection holds at least that many documents, a
CollectionScanWarning names the query, the collection's model and the index that would help:
equality tests first, then the sort, then range tests (MongoDB's ESR rule).
"""

import warnings

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "warn_scans_above"
FILTERED_OPERATIONS = {"find", "update_one", "update_many", "delete_one", "delete_many",
                       "count_documents", "find_one_and_update", "find_one_and_delete"}


class CollectionScanWarning(UserWarning):
    """A query read every document of a large collection; an index would spare that."""


def threshold(connection):
    """Return the database's scan-warning threshold, or None when the warning is off."""
    options = connection.settings_dict.get("INDEXES") or {}
    value = options.get(SETTING)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ImproperlyConfigured(
            f"DATABASES[{connection.alias!r}]['INDEXES'][{SETTING!r}] must be a number of "
            f"documents (0 or more), or None to turn the warning off; got {value!r}."
        )
    return value


class ScanWatcher:
    """Explain each new query shape of one connection and warn about large collection scans."""

    def __init__(self, connection):
        self.connection = connection
        self.seen = set()

    def after(self, command):
        limit = threshold(self.connection)
        if limit is None or not settings.DEBUG or command.collection is None:
            return
        query_filter = command_filter(command)
        if not query_filter or "$text" in query_filter:
            return
        fields = filtered_fields(query_filter)
        keys = suggested_keys(command, query_filter)
        shape = (command.collection, keys)
        if shape in self.seen:
            return
        self.seen.add(shape)
        database = self.connection.mongo_database
        try:
            explained = database.command({
                "explain": {"find": command.collection, "filter": query_filter},
                "verbosity": "queryPlanner",
            })
            if not is_collection_scan(explained):
                return
            size = database[command.collection].estimated_document_count()
        except Exception:  # noqa: BLE001 - the warning is advice; never fail the query for it
            return
        if size >= limit:
            warnings.warn(scan_message(command, fields, keys, size), CollectionScanWarning,
                          stacklevel=2)


def command_filter(command):
    """Return the query filter a command runs, or None when it has none."""
    if command.operation == "aggregate":
        pipeline = command.args[0] if command.args else []
        first = pipeline[0] if pipeline else {}
        return first.get("$match") if isinstance(first, dict) else None
    if command.operation in FILTERED_OPERATIONS:
        return command.args[0] if command.args else command.kwargs.get("filter")
    return None


def filtered_fields(query_filter):
    """Return the document keys a filter tests at its top level (and in top-level $and)."""
    fields = []
    for key, value in query_filter.items():
        if key == "$and":
            for part in value:
                fields.extend(f for f in filtered_fields(part) if f not in fields)
        elif not key.startswith("$") and key not in fields:
            fields.append(key)
    return tuple(fields)


def suggested_keys(command, query_filter):
    """Return the keys of the index that would serve a query, by MongoDB's ESR rule: fields
    tested for equality, then the sort keys ("-key" when descending), then range tests."""
    equality, ranges = [], []
    for key, value in _tests(query_filter):
        is_equality = not isinstance(value, dict) or set(value) <= {"$eq", "$in"}
        (equality if is_equality else ranges).append(key)
    keys = []
    for key in [*equality, *_sort_keys(command), *ranges]:
        if key not in keys and key.removeprefix("-") not in keys:
            keys.append(key)
    return tuple(keys)


def _tests(query_filter):
    for key, value in query_filter.items():
        if key == "$and":
            for part in value:
                yield from _tests(part)
        elif not key.startswith("$"):
            yield key, value


def _sort_keys(command):
    if command.operation == "aggregate":
        pipeline = command.args[0]
        sort = pipeline[1].get("$sort", {}) if len(pipeline) > 1 else {}
        sort = sort.items()
    else:
        sort = command.kwargs.get("sort") or ()
    # Metadata sorts ({"$meta": "textScore"}) need no index key.
    return [("-" if direction == -1 else "") + key for key, direction in sort
            if direction in (1, -1)]


def is_collection_scan(explained):
    """Return whether an explain's winning plan reads the whole collection."""
    planner = explained.get("queryPlanner") or {}
    return "COLLSCAN" in _stages(planner.get("winningPlan") or {})


def _stages(plan):
    stages = set()
    if isinstance(plan, dict):
        if isinstance(plan.get("stage"), str):
            stages.add(plan["stage"])
        for value in plan.values():
            stages |= _stages(value)
    elif isinstance(plan, list):
        for item in plan:
            stages |= _stages(item)
    return stages


def scan_message(command, fields, keys, size):
    model = command.model or _model_of(command.collection)
    names = _field_names(model, keys) if model is not None else list(keys)
    where = f"collection {command.collection!r}"
    if model is not None:
        where += f" ({model._meta.label})"
        advice = f"add models.Index(fields={names!r}) to {model.__name__}.Meta.indexes and migrate"
    else:
        advice = f"create an index on {', '.join(names)}"
    return (f"{command.operation} on {where} scanned all {size} documents to filter on "
            f"{', '.join(fields) or 'computed values'}; {advice}.")


def _model_of(collection):
    # Commands built outside the ORM (a plugin's own, a test's) do not name their model.
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == collection:
            return model
    return None


def _field_names(model, keys):
    by_key = {"_id": model._meta.pk.name}
    for field in model._meta.concrete_fields:
        if not field.primary_key:
            by_key[field.column] = field.name
    names = []
    for key in keys:
        descending = key.startswith("-")
        name = by_key.get(key.removeprefix("-"), key.removeprefix("-"))
        names.append(("-" if descending else "") + name)
    return names
