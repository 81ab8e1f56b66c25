"""Waiting for MongoDB to build (or drop) a search index, so that migrate returns usable indexes.

MongoDB builds search indexes in the background: ``createSearchIndexes`` and
``updateSearchIndex`` return at once, and queries fail or miss documents until the index is
queryable. ``dropSearchIndex`` too returns before the index is gone, and creating one of the
same name meanwhile fails. After each of these commands the plugin polls
``$listSearchIndexes`` (``search_indexes()``) until the index is READY and queryable (or gone),
for at most ``SEARCH["index_build_timeout"]`` seconds (60 by default; 0 waits for nothing).
A FAILED build is a DatabaseError with MongoDB's message; running out of time an
OperationalError naming the index, its collection and its last status.

On the embedded engine indexes are built synchronously: the first poll finds them READY.
"""

import time

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, OperationalError

from djongo_core.plugins import Command

DEFAULT_TIMEOUT = 60.0
POLL_SECONDS = 0.5
SETTINGS_KEY = "SEARCH"
BUILDS = ("createSearchIndexes", "updateSearchIndex")


def timeout(connection):
    """The index build timeout of a connection's settings, in seconds (checked)."""
    settings = connection.settings_dict.get(SETTINGS_KEY) or {}
    if not isinstance(settings, dict) or set(settings) - {"index_build_timeout"}:
        raise ImproperlyConfigured(
            f"DATABASES[{connection.alias!r}][{SETTINGS_KEY!r}] takes one key, "
            f"'index_build_timeout' (seconds), not {settings!r}.")
    value = settings.get("index_build_timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ImproperlyConfigured(
            f"DATABASES[{connection.alias!r}][{SETTINGS_KEY!r}]['index_build_timeout'] is a "
            f"number of seconds (0: do not wait), not {value!r}.")
    return float(value)


def search_indexes(connection, collection, name=None):
    """Return the search indexes of a collection as MongoDB lists them ($listSearchIndexes):
    dicts with ``name``, ``type``, ``status``, ``queryable`` and ``latestDefinition``."""
    stage = {"$listSearchIndexes": {"name": name} if name else {}}
    return list(connection.executor.documents(Command(collection, "aggregate", ([stage],))))


def built_indexes(command):
    """Return (collection, [index names], dropped) for a search index command, else None."""
    if command.collection is not None or command.operation != "command" or not command.args:
        return None
    document = command.args[0]
    if not isinstance(document, dict) or not document:
        return None
    verb = next(iter(document))
    if verb == "createSearchIndexes":
        return document[verb], [index.get("name", "default")
                                for index in document.get("indexes", ())], False
    if verb == "updateSearchIndex":
        return document[verb], [document["name"]], False
    if verb == "dropSearchIndex":
        return document[verb], [document["name"]], True
    return None


def wait_for(connection, collection, names, dropped, seconds=None):
    """Poll until the named search indexes are queryable (or, ``dropped``, gone)."""
    seconds = timeout(connection) if seconds is None else seconds
    if seconds <= 0:
        return
    deadline = time.monotonic() + seconds
    pending = list(names)
    while True:
        listed = {index["name"]: index for index in search_indexes(connection, collection)}
        for name in list(pending):
            index = listed.get(name)
            if dropped:
                if index is None:
                    pending.remove(name)
                continue
            if index is not None and index.get("status") == "FAILED":
                raise DatabaseError(
                    f"MongoDB failed to build the search index {name!r} on {collection}: "
                    f"{index.get('message') or index.get('statusDetail') or 'no reason given'}.")
            if index is not None and index.get("queryable") and index.get("status") == "READY":
                pending.remove(name)
        if not pending:
            return
        if time.monotonic() >= deadline:
            states = ", ".join(f"{name}: {(listed.get(name) or {}).get('status', 'absent')}"
                               for name in pending)
            goal = "dropped" if dropped else "queryable"
            raise OperationalError(
                f"The search indexes of {collection} were not {goal} within {seconds:g} s "
                f"({states}). Raise DATABASES[{connection.alias!r}]['SEARCH']"
                "['index_build_timeout'], or set it to 0 and wait yourself.")
        time.sleep(POLL_SECONDS)
