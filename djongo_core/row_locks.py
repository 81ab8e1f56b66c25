"""select_for_update(): a lock on the selected documents, or a warning that there is none.

MongoDB has no row locks, but a multi-document transaction holds every document it has written
until it ends: another transaction writing one of them fails with WriteConflict. A transaction
manager that locks documents that way (the transactions plugin) says so with
``locks_documents``; a select_for_update() read then carries a DocumentLock for it, and the
manager writes the lock before the read runs (docs/queries.md#row-locks-select_for_update).

Without such a manager nothing can be locked. Refusing select_for_update() would break Django's
own update_or_create(), which locks the row it updates; so the read runs unlocked, and a
RowLockWarning says so, once per line of the project's code (Python's default warning filter),
never silently. ``python -W error::djongo_core.row_locks.RowLockWarning`` makes it an error.
"""

import os
import warnings

import django
from django.db import NotSupportedError
from django.db.transaction import TransactionManagementError

from djongo_core.command import DocumentLock

# A warning points at the project's line that evaluated the QuerySet, not at Django or here.
_LIBRARY_DIRECTORIES = (os.path.dirname(django.__file__) + os.sep,
                        os.path.dirname(os.path.abspath(__file__)) + os.sep)


class RowLockWarning(Warning):
    """select_for_update() ran on a database that cannot lock documents.

    A Warning of its own rather than a RuntimeWarning: test runners (Django's own among them)
    turn RuntimeWarnings into errors, which would fail every update_or_create().
    """


def locks_documents(connection) -> bool:
    """Return whether the connection's transaction manager honours DocumentLocks."""
    return bool(getattr(connection.transaction_manager, "locks_documents", False))


def check_options(query, connection) -> None:
    """Refuse the select_for_update() options this connection cannot honour."""
    if not query.select_for_update:
        return
    locking = locks_documents(connection)
    refused = [name for name, given in (
        ("nowait", query.select_for_update_nowait and not locking),
        ("skip_locked", query.select_for_update_skip_locked),
        ("of", query.select_for_update_of and not (locking and _only_self(query))),
        ("no_key", query.select_for_no_key_update),
    ) if given]
    if not refused:
        return
    if locking:
        raise NotSupportedError(
            f"select_for_update({', '.join(f'{o}=...' for o in refused)}) is not supported on "
            f"{query.model._meta.label}: a MongoDB transaction locks a document by writing it, "
            "which cannot skip documents another transaction holds (skip_locked), lock a "
            "weaker way (no_key), or lock joined rows (of= other than 'self'). Drop the options."
        )
    raise NotSupportedError(
        f"select_for_update({', '.join(f'{o}=...' for o in refused)}) is not supported on "
        f"{query.model._meta.label}: database {connection.alias!r} cannot lock documents. Add "
        "'transactions' to its PLUGINS (docs/queries.md#row-locks-select_for_update)."
    )


def _only_self(query) -> bool:
    return all(name == "self" for name in query.select_for_update_of)


def document_lock(query, connection, command) -> DocumentLock | None:
    """Return the lock a select_for_update() read needs, or None (after a RowLockWarning)."""
    if not query.select_for_update:
        return None
    if not locks_documents(connection):
        warnings.warn(
            f"select_for_update() on {query.model._meta.label} locks nothing: database "
            f"{connection.alias!r} has no transactions plugin, so a concurrent transaction may "
            "change the documents read and one of two read-modify-write updates may be lost. "
            "Add 'transactions' to its PLUGINS, or update with F() expressions "
            "(docs/queries.md#row-locks-select_for_update).",
            RowLockWarning, skip_file_prefixes=_LIBRARY_DIRECTORIES,
        )
        return None
    if connection.get_autocommit():
        # Django's own words on every backend with row locks.
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    return DocumentLock(filter=_base_filter(command), nowait=bool(query.select_for_update_nowait),
                        collation=command.kwargs.get("collation"))


def _base_filter(command) -> dict:
    """The read's filter on its own collection: what a find filters on, or the pipeline's
    opening $match (the compiler puts the base collection's conditions first)."""
    if command.operation == "find":
        return command.args[0] if command.args else command.kwargs.get("filter", {})
    pipeline = command.args[0] if command.args else []
    if pipeline and "$match" in pipeline[0]:
        return pipeline[0]["$match"]
    return {}
