"""The Django DatabaseWrapper for MongoDB: wiring only; each collaborator has its own module."""

import pymongo
from django.db import DEFAULT_DB_ALIAS, NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper

from django.db.backends.utils import debug_transaction
from django.utils.functional import cached_property

# checks: imported for its @register (check --deploy warns of an embedded HOST).
from djongo_core import checks, clients, dbapi  # noqa: F401
from djongo_core.client import DatabaseClient
from djongo_core.command import Command
from djongo_core.concerns import ModelConcerns
from djongo_core.connection_params import counter_cache, parse_connection_params
from djongo_core.counters import CounterAllocator
from djongo_core.creation import DatabaseCreation
from djongo_core.execution import Executor
from djongo_core.expression_indexes import is_hidden_key
from djongo_core.sub_milliseconds import hidden_key, with_microseconds
from djongo_core.features import DatabaseFeatures
from djongo_core.flexible import FlexibleSchema
from djongo_core.introspection import DatabaseIntrospection
from djongo_core.operations import DatabaseOperations, Statement
from djongo_core.plugins import PluginHost
from djongo_core.schema import DatabaseSchemaEditor
from djongo_core.settings_keys import prepare_settings
from djongo_core.validation import DatabaseValidation

# How long is_usable() waits for a ping: ample for a live server, even a remote one that
# needs a new TLS connection, and short enough not to stall a request when it is gone.
USABLE_CHECK_SECONDS = 2.0


class MongoConnection:
    """What Django holds as `connection.connection`: the shared client and this database."""

    def __init__(self, client, database):
        self.client = client
        self.database = database
        # database's pymongo Collections by name, made once (Command.target): a Collection
        # holds no state of its own beyond its name and the database's options.
        self.collections = {}


class NoSQLCursor:
    """The DB-API cursor Django asks for in a few generic places. MongoDB runs no SQL: the one
    thing it executes is a hand-written pipeline (djongo_core.raw), for Model.objects.raw()'s
    machinery; its rows carry the query's columns, in order."""

    def __init__(self, connection):
        self._connection = connection
        self._rows = iter(())
        self._documents = None
        self.description = None
        self.rowcount = -1

    def execute(self, sql, params=None):
        from djongo_core.raw import RawAggregate  # noqa: PLC0415 - raw imports Django's query

        if isinstance(sql, Statement):
            # The backend's own steps that Django's management code executes as SQL (flush,
            # sequence resets): they return no rows.
            self.close()
            sql.run(self._connection)
            return
        if not isinstance(sql, RawAggregate):
            raise NotSupportedError(
                "MongoDB does not run SQL: cursor.execute() and RawSQL are not available. Use "
                "the ORM, djongo_core.raw.raw_aggregate() for a hand-written pipeline, or "
                "pymongo commands on connection.connection.database."
            )
        if params:
            raise NotSupportedError("A raw aggregation pipeline takes no parameters: put the "
                                    "values in the pipeline itself.")
        self.close()
        self._documents = self._connection.executor.documents(sql.command(), log=False)
        first = next(self._documents, None)
        # The first document decides the columns: the model's fields it carries, in the
        # model's order, then its other keys. Fields a pipeline leaves out stay deferred
        # (loaded on access), never read as null.
        if first is None:
            columns = list(sql.columns)
        else:
            columns = [name for name in sql.columns if name in first]
            # The keys kept for indexes on expressions are no data (expression_indexes.py).
            columns += [key for key in first if key not in columns and not is_hidden_key(key)]
        self.description = [(name, None, None, None, None, None, None) for name in columns]
        documents = self._documents if first is None else _chain(first, self._documents)
        # A datetime with its microseconds' hidden key (sub_milliseconds.py) is read whole.
        self._rows = (tuple(with_microseconds(document.get(name), document.get(hidden_key(name)))
                            for name in columns) for document in documents)

    def executemany(self, sql, param_list):
        raise NotSupportedError("MongoDB does not run SQL: executemany() is not available.")

    def fetchone(self):
        return next(self._rows, None)

    def fetchmany(self, size=100):
        return [row for _, row in zip(range(size), self._rows)]

    def fetchall(self):
        return list(self._rows)

    def __iter__(self):
        return self._rows

    def close(self):
        if self._documents is not None:
            self._documents.close()
            self._documents = None
        self._rows = iter(())


def _chain(first, rest):
    yield first
    yield from rest


class DatabaseWrapper(BaseDatabaseWrapper):
    vendor = "mongodb"
    display_name = "MongoDB"

    # The BSON type each field is stored as; Django skips fields whose type is None.
    data_types = {
        "AutoField": "int",
        "BigAutoField": "long",
        "SmallAutoField": "int",
        "ObjectIdAutoField": "objectId",
        "ObjectIdField": "objectId",
        "BinaryField": "binData",
        "BooleanField": "bool",
        "CharField": "string",
        "DateField": "date",
        "DateTimeField": "date",
        "DecimalField": "decimal",
        "DurationField": "long",
        "FileField": "string",
        "FilePathField": "string",
        "FloatField": "double",
        "IntegerField": "int",
        "BigIntegerField": "long",
        "GenericIPAddressField": "string",
        "JSONField": "object",
        "OneToOneField": "int",
        "PositiveBigIntegerField": "long",
        "PositiveIntegerField": "long",
        "PositiveSmallIntegerField": "int",
        "SlugField": "string",
        "SmallIntegerField": "int",
        "TextField": "string",
        "TimeField": "string",
        "UUIDField": "binData",
    }
    # Lookups are compiled by djongo_core.compiler; Django's SQL operator table does not apply.
    operators = {}
    pattern_ops = {}

    Database = dbapi
    client_class = DatabaseClient
    creation_class = DatabaseCreation
    features_class = DatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
    validation_class = DatabaseValidation
    SchemaEditorClass = DatabaseSchemaEditor

    def __init__(self, settings_dict, alias=DEFAULT_DB_ALIAS):
        # Before Django's own set-up: a misspelt key fails here, at the first use of the
        # alias, and djongo 1.x's keys are rewritten into the ones read below.
        prepare_settings(alias, settings_dict)
        super().__init__(settings_dict, alias)

    @cached_property
    def plugin_host(self):
        return PluginHost.for_database(self.alias, self.settings_dict.get("PLUGINS") or [])

    @cached_property
    def executor(self):
        return Executor(self)

    @cached_property
    def model_concerns(self):
        return ModelConcerns(self.alias, self.settings_dict.get("MODEL_OPTIONS") or {})

    @cached_property
    def flexible_schema(self):
        return FlexibleSchema(self.alias, self.settings_dict.get("FLEXIBLE_SCHEMA") or False)

    @cached_property
    def counters(self):
        return CounterAllocator(self.executor, counter_cache(self.alias, self.settings_dict))

    @property
    def mongo_client(self):
        self.ensure_connection()
        return self.connection.client

    @property
    def mongo_database(self):
        self.ensure_connection()
        return self.connection.database

    def get_database_version(self):
        # buildInfo, not server_info(): the latter sends the legacy lowercase command name.
        info = self.executor.run(Command(None, "command", ("buildInfo",)))
        return tuple(info["versionArray"][:3])

    def get_connection_params(self):
        return parse_connection_params(self.alias, self.settings_dict)

    def get_new_connection(self, conn_params):
        # The plugins load, and check their settings, before a client is opened: a mistake
        # there then leaves no client behind.
        self.transaction_manager  # evaluated for its checks only
        self.model_concerns  # likewise
        self.flexible_schema  # likewise
        client = clients.acquire(self.alias, conn_params)
        self._connection_params = conn_params
        return MongoConnection(client, client.get_database(conn_params.database))

    def init_connection_state(self):
        try:
            # Django's refusal of a server older than features.minimum_database_version,
            # asked once per shared client.
            clients.check_once(self.alias, self._connection_params,
                               self.check_database_version_supported)
            self.plugin_host.hook.djongo_setup_connection(connection=self)
        except Exception:
            # An old server, or a plugin refused it (one that cannot run transactions, say):
            # the connection never became usable, and must not keep its client open.
            self._close()
            self.connection = None
            raise

    def create_cursor(self, name=None):
        return NoSQLCursor(self)

    def _close(self):
        if self.connection is not None:
            if self.transaction_manager is not None:
                self.transaction_manager.close()
            clients.release(self.alias, self._connection_params)

    # -- transactions ----------------------------------------------------------------------
    # MongoDB transactions come from a plugin (djongo_provide_transaction_manager). Without one every
    # write commits on its own and these methods do nothing; with one they forward to it and
    # log into connection.queries as Django does on SQL databases.

    @cached_property
    def transaction_manager(self):
        """The plugin object running this connection's transactions, or None."""
        return self.plugin_host.hook.djongo_provide_transaction_manager(connection=self)

    def _set_autocommit(self, autocommit):
        if self.transaction_manager is not None:
            if not autocommit:
                self._prepare_transaction_step("begin")
            self.transaction_manager.set_autocommit(autocommit)

    def _start_transaction_under_autocommit(self):
        # atomic() begins here. Nothing is sent to MongoDB yet (a transaction starts with its
        # first command), but the block has begun: BEGIN is logged, as Django logs it on every
        # backend, so that connection.queries shows where the transaction starts.
        if self.transaction_manager is not None:
            self._prepare_transaction_step("begin")
            with debug_transaction(self, "BEGIN"):
                self.transaction_manager.set_autocommit(False)

    def _commit(self):
        if self.transaction_manager is not None:
            self._prepare_transaction_step("commit")
            with debug_transaction(self, "COMMIT"):
                self.transaction_manager.commit()

    def _rollback(self):
        if self.transaction_manager is not None:
            self._prepare_transaction_step("rollback")
            with debug_transaction(self, "ROLLBACK"):
                self.transaction_manager.rollback()
            # Counter values drawn ahead inside the transaction are drawn no more.
            self.counters.forget_ahead()

    def _savepoint(self, sid):
        self._prepare_transaction_step("savepoint", sid)
        with debug_transaction(self, f"SAVEPOINT {sid}"):
            self.transaction_manager.savepoint(sid)

    def _savepoint_rollback(self, sid):
        self._prepare_transaction_step("savepoint_rollback", sid)
        with debug_transaction(self, f"ROLLBACK TO SAVEPOINT {sid}"):
            self.transaction_manager.savepoint_rollback(sid)
        self.counters.forget_ahead()

    def _savepoint_commit(self, sid):
        self._prepare_transaction_step("savepoint_commit", sid)
        with debug_transaction(self, f"RELEASE SAVEPOINT {sid}"):
            self.transaction_manager.savepoint_commit(sid)

    #: True between disable_constraint_checking() and enable_constraint_checking() (loaddata's
    #: constraint_checks_disabled()): a plugin checking references on write holds back then.
    constraint_checking_disabled = False

    def disable_constraint_checking(self):
        self.constraint_checking_disabled = True
        return True

    def enable_constraint_checking(self):
        self.constraint_checking_disabled = False

    def check_constraints(self, table_names=None):
        """Django's loaddata asks this after loading: MongoDB has no foreign keys to check, a
        plugin that keeps referential integrity does (djongo_check_constraints)."""
        self.plugin_host.hook.djongo_check_constraints(connection=self, table_names=table_names)

    def _prepare_transaction_step(self, step, sid=None):
        # Plugins that hold writes back (bulk) send or drop them here, on the right side of
        # the boundary (djongo_prepare_transaction_step).
        self.plugin_host.hook.djongo_prepare_transaction_step(connection=self, step=step, sid=sid)

    def is_usable(self):
        # Bounded: pymongo would wait its whole server selection timeout (30 s by default) for
        # a server that is gone, and Django asks this at the end of a request.
        try:
            with pymongo.timeout(USABLE_CHECK_SECONDS):
                self.connection.client.admin.command("ping")
        except Exception:
            return False
        return True
