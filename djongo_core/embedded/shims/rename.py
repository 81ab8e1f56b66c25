"""renameCollection sent to the admin database (deviation "collection-rename", shimmed).

MongoDB runs renameCollection against the admin database with full namespaces
("shop.old" -> "shop.new"); pymongo's Collection.rename sends exactly that. mongoeco 4.11 runs
the command on the database it is addressed to and refuses namespaces of any other, so every
rename fails. Its rename itself works when the command reaches the collection's own database:
this shim routes an admin-addressed renameCollection there, inside the embedded server only.
mongoeco has no public hook for commands, so the shim wraps the wire layer's command dispatch
(one module-level function), and stands down if mongoeco renames that function.
"""

import dataclasses

from mongoeco.wire import _executor_passthrough

_dispatch = getattr(_executor_passthrough, "_execute_authenticated_passthrough_command", None)


def _collection_database(context):
    """The database both namespaces of an admin renameCollection name, or None."""
    if context.command_name != "renameCollection" or context.db_name != "admin":
        return None
    source = context.command_document.get("renameCollection")
    target = context.command_document.get("to")
    if not (isinstance(source, str) and isinstance(target, str)):
        return None
    source_db, target_db = source.partition(".")[0], target.partition(".")[0]
    return source_db if source_db == target_db and source_db != "admin" else None


async def _routed(context, **kwargs):
    database = _collection_database(context)
    if database is not None:
        context = dataclasses.replace(context, db_name=database)
    return await _dispatch(context, **kwargs)


def install():
    """Route admin renameCollection commands (idempotent)."""
    if _dispatch is not None and _executor_passthrough._execute_authenticated_passthrough_command is _dispatch:
        _executor_passthrough._execute_authenticated_passthrough_command = _routed


def uninstall():
    if _dispatch is not None:
        _executor_passthrough._execute_authenticated_passthrough_command = _dispatch
