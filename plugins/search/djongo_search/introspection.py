"""Reading search indexes back from the server, and waiting for them outside migrate."""

from django.db import DEFAULT_DB_ALIAS, connections

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
