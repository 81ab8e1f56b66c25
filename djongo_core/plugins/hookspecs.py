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
    from djongo_core.compiler.expressions import Translator
    from djongo_core.compiler.select import QueryPlan
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
def djongo_translate_node(
    compiler: SQLCompiler, node: BaseExpression, translator: Translator, form: str
) -> Any | None:
    """Translate an expression or lookup node that the core cannot translate.

    The compiler calls this for a node (a ``Lookup``, ``Func``, ``Expression``...) only after its
    own translations have declined it, so a plugin can own the lookups and functions it adds
    (geo lookups, text search). It may be called more than once for the same node (the compiler
    asks while deciding between a find and a pipeline), so an implementation must not keep
    state between calls.

    :param compiler: The djongo-core query compiler doing the translation; its ``query`` and
        ``connection`` attributes say what is being compiled and for which database.
    :param node: The expression or lookup node to translate.
    :param translator: The query's translator (docs/plugin-api.md): ``field_path(col)`` gives
        a column's path in the documents (the primary key is ``_id``, a joined table's columns
        sit under its alias), ``expression(node)``, ``match(node)`` and ``literal(value)``
        translate the node's parts.
    :param form: What the compiler wants back: ``"match"``, a query document for ``find`` or
        ``$match``; ``"expression"``, an aggregation expression; ``"accumulator"``, a ``$group``
        accumulator (``{"$sum": ...}``) for an aggregate function.

    Stops at the first non-None result, which becomes the node's MQL in the form asked for.
    None means "not mine" (or "not in this form"); when every implementation returns None the
    compiler raises ``NotSupportedError`` naming the node. A ``{"$meta": ...}`` expression (a
    text score) keeps the query a find, projected and, when ordered descending, sorted by it.
    """


@hookspec
def djongo_plan_query(
    compiler: SQLCompiler, plan: QueryPlan, options: dict[str, Any]
) -> QueryPlan | None:
    """Rewrite the plan of a query after the core built it and before it runs.

    Called for every query the ORM runs (and for ``str(queryset.query)`` and ``explain()``,
    which show the plan as it will run), once per evaluation, never for a subquery compiled
    into another query's pipeline. A plugin puts a stage first (``$geoNear``, ``$search``)
    with ``plan.with_first_stages(...)``, or sets cursor options on a find (a tailable cursor,
    a batch size, a hint, a comment) with ``plan.with_options(...)``.

    :param compiler: The query compiler; ``compiler.query.model`` is the model queried.
    :param plan: The plan so far (``QueryPlan``: ``command``, ``model``, ``pipeline()``,
        ``with_first_stages()``, ``with_options()``).
    :param options: The QuerySet's plugin options, set with
        ``djongo_core.plugins.with_query_options()`` by a QuerySet method or manager of the
        plugin; empty when none were set.

    Every implementation runs, in call order, and its result is the plan the next one is given:
    return a replacement ``QueryPlan``, or None to keep the plan as it is. Wrappers are not
    accepted for this hook.
    """


# -------------------------------------------------------------------------------------------------
# Execution stage: the backend talks to the server.
# -------------------------------------------------------------------------------------------------


@hookspec
def djongo_setup_connection(connection: DatabaseWrapper) -> None:
    """Set up what a plugin needs on a Django connection that has just opened its MongoClient.

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
    session, cursor options) or the result after it; return a result first to replace it.
    To hold a write back rather than run it, use ``djongo_intercept_command``, which runs
    before these wrappers.

    :param connection: The Django connection (the backend's ``DatabaseWrapper``) the command
        runs on; ``connection.mongo_database`` is the pymongo ``Database``.
    :param command: The call to make, as data: collection, operation, args and kwargs.

    Stops at the first non-None result, which is returned to the backend (a Cursor, a pymongo
    result object, a document...). Wrappers see that result as the value of ``yield``.
    """


@hookspec(firstresult=True)
def djongo_intercept_command(connection: DatabaseWrapper, command: Command) -> Any | None:
    """Answer a command instead of running it, or prepare for it, before ``djongo_execute``.

    Called for every command the backend is about to run, after the connection is checked and
    before the command reaches ``djongo_execute`` (and so before any of its wrappers), so that
    a plugin can hold a write back and send it later with others (the bulk plugin queues the
    ORM's writes and flushes them as one ``bulk_write`` per collection). A command answered
    here is not run: no ``djongo_execute`` wrapper sees it (a transaction does not record it,
    a session is not added) and ``connection.queries`` does not list it. A plugin that needs
    the server first (to flush what it held back before a read) runs its own commands through
    ``connection.executor.run()`` here and returns None.

    :param connection: The Django connection (the backend's ``DatabaseWrapper``) the command
        is for.
    :param command: The command about to run (``collection``, ``operation``, ``args``,
        ``kwargs``, ``model``). Treat it as read-only.

    Stops at the first non-None result, which the backend takes as pymongo's result for the
    command: it must offer what the backend reads from pymongo's (``matched_count`` of an
    update, ``deleted_count`` of a delete...). None lets the command run. Never answer a
    ``find`` or ``aggregate``: the backend reads their cursors.
    """


# -------------------------------------------------------------------------------------------------
# Transaction stage: Django's atomic(), commit, rollback and savepoints.
# -------------------------------------------------------------------------------------------------


class TransactionManager(Protocol):
    """What a plugin returns from ``djongo_provide_transaction_manager``; the core calls nothing else.

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

    #: Optional. True when the manager locks documents for select_for_update(): it then finds
    #: a DocumentLock in ``Command.lock`` of such a read and must lock the documents before the
    #: read runs (inside its transaction). Absent or False: the core warns that nothing is
    #: locked (RowLockWarning) and refuses nowait, of and skip_locked.
    locks_documents: bool

    def close(self) -> None:
        """The Django connection is closing: abort what is still open and end the session.

        Called before the connection releases its MongoClient, so that a transaction left open
        by a closed connection does not hold locks until the server times it out.
        """


@hookspec(firstresult=True)
def djongo_provide_transaction_manager(connection: DatabaseWrapper) -> TransactionManager | None:
    """Return the object that runs this connection's transactions, or None.

    Asked once per Django connection, lazily, and cached on it as
    ``connection.transaction_manager``. Without a manager Django's transaction calls do
    nothing: each write commits on its own and the connection reports no transaction support.
    With one, the connection's features report transactions, savepoints and releasable
    savepoints, and every transaction call goes to the manager (see ``TransactionManager``).

    The answer must not need the server: Django's ``TestCase`` reads
    ``features.supports_transactions`` before the first query, so the hook is asked before
    the connection exists. A plugin that finds at connection time (``djongo_setup_connection``)
    that the server cannot run transactions either refuses the connection or makes its manager
    a no-op, as its settings say.

    :param connection: The Django connection (the backend's ``DatabaseWrapper``) whose
        transactions are to be managed; ``alias`` and ``settings_dict`` are set, the server may
        not have been contacted yet.

    Stops at the first non-None result, which becomes the connection's manager; the plugin
    listed first in ``PLUGINS`` wins. None means "not mine".
    """


@hookspec
def djongo_prepare_transaction_step(
    connection: DatabaseWrapper, step: str, sid: str | None
) -> None:
    """Act before the connection's transaction manager takes a step.

    Called only on connections with a transaction manager, just before the backend forwards
    the step to it: ``"begin"`` (``atomic()`` enters its outermost block and autocommit goes
    off), ``"commit"``, ``"rollback"``, ``"savepoint"``, ``"savepoint_commit"`` (a savepoint
    released) and ``"savepoint_rollback"``. A plugin that holds writes back sends them before
    ``"begin"``, ``"savepoint"`` and ``"commit"``, so that they land on the side of the
    boundary where the ORM made them, and drops them before ``"rollback"`` and
    ``"savepoint_rollback"``, which undo them.

    :param connection: The Django connection (the backend's ``DatabaseWrapper``) whose
        transaction takes the step.
    :param step: One of the step names above.
    :param sid: The savepoint's name for the three savepoint steps, else None.

    Every implementation runs and results are ignored. An exception raised here stops the
    step: a ``DatabaseError`` raised before ``"commit"`` makes Django's ``atomic()`` roll the
    transaction back and re-raise it, as when a commit fails.
    """


# -------------------------------------------------------------------------------------------------
# Migration stage: the schema editor creates and alters collections.
# -------------------------------------------------------------------------------------------------


@hookspec
def djongo_provide_collection_options(
    schema_editor: DatabaseSchemaEditor, model: type[Model]
) -> dict[str, Any] | None:
    """Return the collection options ``model``'s collection should have.

    Asked when the schema editor creates a model's collection (the options go to pymongo's
    ``Database.create_collection``: a ``validator``, ``capped`` and ``size``...) and again after
    every change to the model (a field added, altered, removed or renamed, a constraint or index
    added or removed, the collection renamed). The editor compares the answer with the options
    the collection has and applies the difference with ``collMod`` (visible in ``sqlmigrate``);
    an option ``collMod`` cannot change (``capped``, ``collation``, ``timeseries``...) is a
    ``NotSupportedError`` naming it, unless a constraint kind of the plugin changes it first.

    :param schema_editor: The schema editor; its ``connection`` is the Django connection.
    :param model: The model as it is *after* the change. Where Django passes the editor the
        model as it was before (``remove_field``, ``alter_field``), the editor builds the model
        after it, a throwaway class with the same ``_meta.label`` and ``db_table``: read its
        ``_meta`` (fields, constraints, indexes), do not keep it.

    Every implementation runs and returns a dict of options, or None for "nothing to add". The
    host (``PluginHost.collection_options``) merges the results in call order; two plugins setting
    the same option to different values is an ``ImproperlyConfigured`` naming both. Wrappers are
    not accepted for this hook, because the merge needs to know which plugin gave each option.
    """


@hookspec
def djongo_check_constraints(connection: DatabaseWrapper, table_names: list[str] | None) -> None:
    """Check the stored documents against the constraints the database does not enforce itself
    on every write (a ForeignKey's target existing), as Django asks after ``loaddata``.

    Called by the backend's ``check_constraints(table_names)``, which Django's ``loaddata`` (and
    test fixtures) call after loading with constraint checks disabled. SQL databases check their
    foreign keys there; MongoDB has none, so without a plugin nothing is checked.

    :param connection: The Django connection.
    :param table_names: The collections to check, or None for every collection of the models.

    Every implementation runs; their results are ignored. Raise ``IntegrityError`` naming the
    collection, the document, the field and the missing value to refuse what was loaded.
    """


@hookspec
def djongo_provide_constraints(
    connection: DatabaseWrapper, table_name: str
) -> dict[str, dict[str, Any]] | None:
    """Return the indexes and constraints of a collection that the server keeps apart from
    ``listIndexes``, for introspection (search indexes, say).

    Asked by the backend's ``introspection.get_constraints(cursor, table_name)`` (what Django's
    migration tests, ``assertIndexExists`` and tools read), after it listed the collection's
    own indexes and the constraints migrations declared.

    :param connection: The Django connection; run commands through ``connection.executor``.
    :param table_name: The collection's name.

    Every implementation runs and returns {name: description} or None. A description holds
    the keys of Django's (``columns``, ``index``, ``type``, ``definition``, ``options``...);
    the ones left out take their "no" value (False, None, [] or {}). The results are merged in
    call order; a name the collection already has, or another plugin gave, is an
    ``ImproperlyConfigured`` naming both.
    """

