"""The hooks a djongo-core plugin can implement, grouped by the stage that calls them.

Every hook here is documented in docs/plugin-hooks.md under a heading that repeats its signature;
tests/test_plugin_host.py fails when a hook has no section there. Add a hook only where Django
offers no extension point of its own, and document it in the same change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    from django.db.models import Model
    from django.db.models.expressions import BaseExpression
    from django.db.models.sql.compiler import SQLCompiler

    from djongo_core.base import DatabaseWrapper
    from djongo_core.command import Command
    from djongo_core.schema import DatabaseSchemaEditor

PROJECT_NAME = "djongo_core"

#: Marks the specifications below. Only this module uses it.
hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Marks a plugin's implementations; plugins import it as ``djongo_core.plugins.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -------------------------------------------------------------------------------------------------
# Translation stage: the query compiler turns Django's expression tree into MQL.
# -------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def djongo_translate_node(compiler: SQLCompiler, node: BaseExpression) -> Any | None:
    """Translate an expression or lookup node that the core cannot translate.

    The compiler calls this for a node (a ``Lookup``, ``Func``, ``Expression``...) only after its
    own translations have declined it, so a plugin can own the lookups and functions it adds
    (geo lookups, text search). A plugin returns the node's MQL: a filter document usable in
    ``$match`` or a value usable as an aggregation expression, whichever the compiler asked for.

    :param compiler: The djongo-core query compiler doing the translation; its ``query`` and
        ``connection`` attributes say what is being compiled and for which database.
    :param node: The expression or lookup node to translate.

    Stops at the first non-None result, which becomes the node's MQL. None means "not mine";
    when every implementation returns None the compiler raises ``NotSupportedError`` naming the
    node. A ``{"$meta": ...}`` value (a text score) keeps the query a find, projected and, when
    ordered descending, sorted by it.
    """


# -------------------------------------------------------------------------------------------------
# Execution stage: the backend talks to the server.
# -------------------------------------------------------------------------------------------------


@hookspec
def djongo_connection_created(connection: DatabaseWrapper) -> None:
    """React to a new MongoClient opened for a Django connection.

    Called once each time the backend connects, after ``connection.mongo_client`` and
    ``connection.mongo_database`` are set, so that a plugin can probe the server and fail early
    (a transactions plugin checks that the server is a replica set member).

    :param connection: The Django connection (the backend's ``DatabaseWrapper``); ``alias``,
        ``settings_dict``, ``mongo_client`` and ``mongo_database`` are available.

    Every implementation runs and results are ignored. An exception raised here aborts the
    connection attempt and reaches the caller.
    """


@hookspec(firstresult=True)
def djongo_execute(connection: DatabaseWrapper, command: Command) -> Any:
    """Run one pymongo call and return pymongo's result.

    Every pymongo call the backend makes passes through here. The core's own implementation
    is registered last (``trylast=True``) and runs
    ``getattr(command.target(connection.mongo_database), command.operation)(*args, **kwargs)``.
    Wrap it with ``@hookimpl(wrapper=True)`` to change the command before ``yield`` (add a
    session, cursor options) or the result after it; return a result first to replace it
    (batch writes).

    :param connection: The Django connection (the backend's ``DatabaseWrapper``) the command
        runs on; ``connection.mongo_database`` is the pymongo ``Database``.
    :param command: The call to make, as data: collection, operation, args and kwargs.

    Stops at the first non-None result, which is returned to the backend (a Cursor, a pymongo
    result object, a document...). Wrappers see that result as the value of ``yield``.
    """


# -------------------------------------------------------------------------------------------------
# Transaction stage: Django's atomic(), commit, rollback and savepoints.
# -------------------------------------------------------------------------------------------------


class TransactionManager(Protocol):
    """What a plugin returns from ``djongo_transaction_manager``; the core calls nothing else.

    The backend's ``DatabaseWrapper`` forwards Django's transaction calls to these methods one
    to one, and logs each into ``connection.queries`` as Django does on every backend (COMMIT,
    ROLLBACK, SAVEPOINT <sid>, ROLLBACK TO SAVEPOINT <sid>, RELEASE SAVEPOINT <sid>). Errors
    raised must be Django's (``DatabaseError`` and subclasses), so that ``atomic()`` reacts as
    it does on SQL databases.
    """

    def set_autocommit(self, autocommit: bool) -> None:
        """Leave (False) or re-enter (True) autocommit mode.

        False: from now on the connection's commands run inside a transaction, until
        ``commit()`` or ``rollback()``; the next command after either starts a new one, as long
        as autocommit stays off. ``atomic()`` turns autocommit off when it enters its outermost
        block. True: back to one command at a time; Django has committed or rolled back first.
        """

    def commit(self) -> None:
        """Commit the current transaction, if any; raise ``DatabaseError`` when it fails."""

    def rollback(self) -> None:
        """Roll back the current transaction, if any."""

    def savepoint(self, sid: str) -> None:
        """Mark a savepoint named ``sid`` in the current transaction."""

    def savepoint_rollback(self, sid: str) -> None:
        """Undo every write made since savepoint ``sid``; the transaction goes on.

        Savepoints created after ``sid`` are gone; ``sid`` itself stays until released. An
        unknown ``sid`` is a ``DatabaseError``.
        """

    def savepoint_commit(self, sid: str) -> None:
        """Release savepoint ``sid`` (and those created after it); its writes stay.

        An unknown ``sid`` is a ``DatabaseError``.
        """

    def close(self) -> None:
        """The Django connection is closing: abort what is still open and end the session.

        Called before the connection releases its MongoClient, so that a transaction left open
        by a closed connection does not hold locks until the server times it out.
        """


@hookspec(firstresult=True)
def djongo_transaction_manager(connection: DatabaseWrapper) -> TransactionManager | None:
    """Return the object that runs this connection's transactions, or None.

    Asked once per Django connection, lazily, and cached on it as
    ``connection.transaction_manager``. Without a manager Django's transaction calls do
    nothing: each write commits on its own and the connection reports no transaction support.
    With one, the connection's features report transactions, savepoints and releasable
    savepoints, and every transaction call goes to the manager (see ``TransactionManager``).

    The answer must not need the server: Django's ``TestCase`` reads
    ``features.supports_transactions`` before the first query, so the hook is asked before
    the connection exists. A plugin that finds at connection time (``djongo_connection_created``)
    that the server cannot run transactions either refuses the connection or makes its manager
    a no-op, as its settings say.

    :param connection: The Django connection (the backend's ``DatabaseWrapper``) whose
        transactions are to be managed; ``alias`` and ``settings_dict`` are set, the server may
        not have been contacted yet.

    Stops at the first non-None result, which becomes the connection's manager; the plugin
    listed first in ``PLUGINS`` wins. None means "not mine".
    """


# -------------------------------------------------------------------------------------------------
# Migration stage: the schema editor creates and alters collections.
# -------------------------------------------------------------------------------------------------


@hookspec
def djongo_collection_options(
    schema_editor: DatabaseSchemaEditor, model: type[Model]
) -> dict[str, Any] | None:
    """Return options for creating the collection that stores ``model``.

    The schema editor calls this when it creates a model's collection and passes the merged
    options to pymongo's ``Database.create_collection`` (a ``validator``, ``capped`` and
    ``size``, a ``collation``...).

    :param schema_editor: The schema editor creating the collection; its ``connection`` is the
        Django connection.
    :param model: The model class whose collection is being created.

    Every implementation runs and returns a dict of options, or None for "nothing to add". The
    host (``PluginHost.collection_options``) merges the results in call order; two plugins setting
    the same option to different values is an ``ImproperlyConfigured`` naming both. Wrappers are
    not accepted for this hook, because the merge needs to know which plugin gave each option.
    """
