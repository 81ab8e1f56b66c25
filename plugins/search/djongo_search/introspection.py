"""Reading search indexes back from the server, and waiting for them outside migrate."""

# The errors of a server without MongoDB Search: SearchNotEnabled, and the unknown stage of a
# server older than the stage.
NO_SEARCH_CODES = {31082, 40324}

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from djongo_search import waiting


def list_search_indexes(model, using=DEFAULT_DB_ALIAS):
    """Return the search indexes of a model's collection as MongoDB lists them: dicts with
    ``name``, ``type`` ("search" or "vectorSearch"), ``status``, ``queryable`` and
    ``latestDefinition`` (the definition sent by migrate)."""
    return waiting.search_indexes(connections[using], model._meta.db_table)


def wait_for_search_indexes(model, using=DEFAULT_DB_ALIAS, timeout=None):
    """Wait until every search index declared in ``model``'s Meta.indexes is queryable (for
    indexes made outside migrate, by pymongo or a restore); ``timeout`` defaults to the
    SEARCH["index_build_timeout"] setting."""
    from djongo_search.indexes import search_indexes

    names = [index.name for index in search_indexes(model)]
    if names:
        waiting.wait_for(connections[using], model._meta.db_table, names, dropped=False,
                         seconds=timeout)


def described_search_indexes(connection, table_name):
    """The search indexes of a collection as Django's introspection describes indexes
    (djongo_provide_constraints): type "search" or "vectorSearch", the indexed fields'
    columns, the definition, and MongoDB's status in "options". None on a server without
    MongoDB Search (it has no search indexes to describe)."""
    try:
        listed = waiting.search_indexes(connection, table_name)
    except DatabaseError as error:
        if getattr(error.__cause__, "code", None) in NO_SEARCH_CODES:
            return None
        raise
    return {index["name"]: {
        "columns": _columns(index.get("latestDefinition") or {}),
        "index": True, "type": index.get("type", "search"),
        "definition": index.get("latestDefinition"),
        "options": {"status": index.get("status"), "queryable": index.get("queryable")},
    } for index in listed} or None


def _columns(definition):
    if "fields" in definition:
        return [field["path"] for field in definition["fields"]]
    return list((definition.get("mappings") or {}).get("fields", {}))
