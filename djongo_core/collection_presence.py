"""A model whose collection was never created is an error at first use, not an empty table.

MongoDB answers a read of a missing collection with no documents, and creates the collection on
the first write, without the unique indexes its migration would have made: a project whose app
was never migrated would seem empty and then accept duplicates. SQL databases refuse both ("no
such table"); so does this backend, for managed models: the first command a process runs on a
model's collection checks that the collection exists, and a ProgrammingError names the model
and says to run migrate. A collection found once is remembered for the client's lifetime;
dropping it through the backend forgets it.
"""

import threading
import weakref

from django.db import ProgrammingError

from djongo_core.command import Command

CHECKED = {
    "find", "find_one", "aggregate", "count_documents", "distinct", "insert_one", "insert_many",
    "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "bulk_write",
}
DROPS = {"drop", "rename"}  # of the command's collection

# client -> {database name: names of the collections known to exist}
_known: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _names(connection) -> set:
    client = connection.mongo_client
    with _lock:
        return _known.setdefault(client, {}).setdefault(connection.mongo_database.name, set())


def _forget_dropped(connection, command) -> bool:
    """Forget a collection the command drops or renames; return whether it does."""
    if command.operation in DROPS and command.collection is not None:
        _names(connection).discard(command.collection)
    elif command.operation == "drop_collection" and command.args:
        _names(connection).discard(str(command.args[0]))
    elif command.operation == "drop_database":
        _names(connection).clear()
    else:
        return False
    return True


def check_collection(connection, command) -> None:
    """Raise ProgrammingError when ``command`` uses the missing collection of a managed model."""
    model = command.model
    if command.database is not None:
        return
    if _forget_dropped(connection, command) or command.collection is None or model is None:
        return
    if command.operation not in CHECKED or command.collection != model._meta.db_table:
        return
    if not model._meta.managed or model._meta.proxy:
        return
    known = _names(connection)
    if command.collection in known:
        return
    listing = connection.executor.run(Command(
        None, "list_collection_names", (), {"filter": {"name": command.collection}}), log=False)
    if command.collection in listing:
        with _lock:
            known.add(command.collection)
        return
    raise ProgrammingError(
        f"The collection {command.collection!r} of model {model._meta.label} does not exist on "
        f"database {connection.alias!r}: its migrations have not been applied. Run `manage.py "
        f"migrate {model._meta.app_label}` (`makemigrations {model._meta.app_label}` first if "
        "the app has none)."
    )
