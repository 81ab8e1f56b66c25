"""The transactions of one Django connection, run in one pymongo ClientSession.

Django turns autocommit off when `atomic()` enters its outermost block (`set_autocommit(False)`);
from then on every command of the connection that MongoDB accepts in a transaction carries the
session, and the first one starts the MongoDB transaction. `commit()` and `rollback()` end it.
Commands a transaction cannot hold (creating and dropping collections and indexes, listing
them, `explain`, `estimated_document_count`) run outside it, as do the `__schema__` counters
unless the settings say `"counters": "inside"`.

Failures follow MongoDB's rules, made to look like Django's:

- A command that fails inside a transaction makes MongoDB abort all of it. The manager aborts it
  too (so every server behaves alike) and marks the transaction broken; the next command, the
  commit or the rollback to a savepoint rebuilds it from its journal (journal.py), so that, as on
  SQLite, only the failed command is lost.
- A commit whose outcome is unknown (UnknownTransactionCommitResult) is sent again, up to
  `commit_retries` times: MongoDB makes a repeated commit safe. Nothing else is retried: a
  TransientTransactionError asks for the whole transaction to run again, and only the code in
  the atomic block can do that.
- After a failed commit the session is dropped and the next transaction gets a new one, so no
  state of the failed transaction can leak into it.
"""

from django.db import DatabaseError, OperationalError
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from djongo_core.plugins import SCHEMA_COLLECTION
from djongo_transactions.journal import Journal, ReplayMismatch, inserted_before_failure
from djongo_transactions.savepoints import Savepoint, Undo, read_before, restore, undo_for

READS = {"find", "find_one", "aggregate", "count_documents", "distinct"}
WRITES = {
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "find_one_and_update", "find_one_and_replace", "find_one_and_delete",
    "bulk_write",
}
WRITE_CONFLICT = 112


class Pending:
    """What the manager knows about a command between its start and its result."""

    __slots__ = ("before",)

    def __init__(self, before):
        self.before = before


class SessionTransactionManager:
    """djongo-core's TransactionManager protocol over a pymongo ClientSession."""

    def __init__(self, connection, settings):
        self.connection = connection
        self.settings = settings
        #: False when the server cannot run transactions and the settings say to go on without.
        self.enabled = True
        self._autocommit = True
        self._session = None
        self._session_owner = None
        self._clear()

    def _clear(self):
        """Forget the current transaction's state (after a commit or a rollback)."""
        self.journal = Journal(self.settings.recovery_log_limit)
        self.undo = []
        self.savepoints: list[Savepoint] = []
        self.touched: set[str] = set()
        #: Whether ids were taken from the counters outside this transaction while it was open.
        self.counted_outside = False
        #: Why MongoDB aborted the transaction, while it has not been rebuilt.
        self.broken = None

    # -- the TransactionManager protocol ----------------------------------------------------------

    @property
    def locks_documents(self) -> bool:
        """select_for_update() locks documents (locks.py) wherever transactions run."""
        return self.enabled

    @property
    def in_transaction(self) -> bool:
        """Whether the connection's commands run in a transaction now (inside atomic())."""
        return self.enabled and not self._autocommit

    def set_autocommit(self, autocommit: bool) -> None:
        if not self.enabled:
            return
        if autocommit and not self._autocommit:
            # Django commits or rolls back before turning autocommit back on; a transaction
            # still open here is committed, as Python's sqlite3 module does.
            if self._session_is_current() and (self._session.in_transaction or self.broken):
                self.commit()
            self._clear()
        self._autocommit = autocommit

    def commit(self) -> None:
        if not self.enabled:
            return
        try:
            if self.broken is not None:
                self._rebuild(len(self.journal))
            session = self._session
            if self._session_is_current() and session.in_transaction:
                self._commit(session)
        finally:
            self._clear()

    def rollback(self) -> None:
        if not self.enabled:
            return
        try:
            if self._session_is_current() and self._session.in_transaction:
                self._abort()
        finally:
            self._clear()

    def savepoint(self, sid: str) -> None:
        if self.enabled:
            self.savepoints.append(Savepoint(sid, len(self.journal), len(self.undo)))

    def savepoint_commit(self, sid: str) -> None:
        if not self.enabled:
            return
        del self.savepoints[self._savepoint_index(sid):]
        if not self.savepoints:
            # No savepoint left to roll back to: stop keeping pre-images.
            self.undo.clear()

    def savepoint_rollback(self, sid: str) -> None:
        if not self.enabled:
            return
        index = self._savepoint_index(sid)
        savepoint = self.savepoints[index]
        undos = self.undo[savepoint.undo_position:]
        # Putting deleted documents back would move them to the end of natural order; a
        # rebuild from the journal (when it holds every write) never deleted them.
        restorable = all(undo.exact for undo in undos) and not (
            self.journal.complete and any(undo.reinserts for undo in undos))
        if self.broken is None and restorable:
            try:
                restore(self.connection.mongo_database, self._session, undos)
            except PyMongoError as error:
                self._mark_broken(f"restoring savepoint {sid} failed: {error}")
        if self.broken is not None or not restorable:
            self._rebuild(savepoint.journal_position)
        del self.undo[savepoint.undo_position:]
        self.journal.truncate(savepoint.journal_position)
        del self.savepoints[index + 1:]

    # -- commands (called by the plugin's djongo_execute wrapper) --------------------------------

    def before(self, command):
        """Prepare a command to run in the transaction; None if it runs outside of one."""
        if not self.enabled or self._autocommit:
            return None
        if not self._belongs_in_transaction(command):
            self.counted_outside |= command.collection == SCHEMA_COLLECTION
            return None
        if self.broken is not None:
            self._rebuild(len(self.journal))
        session = self._current_session()
        if not session.in_transaction:
            session.start_transaction(**self.settings.transaction_options())
        command.kwargs["session"] = session
        before = None
        if command.operation in WRITES:
            self.touched.add(command.collection)
            if self.savepoints:
                try:
                    before = read_before(self.connection.mongo_database, session, command)
                except PyMongoError as error:
                    self._failed_in_transaction(command, error)
                    raise
        return Pending(before)

    def after(self, command, pending, result) -> None:
        """Remember a write that succeeded in the transaction."""
        if command.operation not in WRITES:
            return
        self.journal.record(command, result)
        if self.savepoints:
            self.undo.append(undo_for(self.connection.mongo_database, self._session, command,
                                      pending.before, result))

    def failed(self, command, pending, error: BaseException) -> None:
        """React to a command that raised inside the transaction (the caller re-raises)."""
        if not isinstance(error, (OperationFailure, ConnectionFailure)):
            # Raised before the command reached the server: the transaction is untouched.
            return
        partial = inserted_before_failure(command, error)
        if partial:
            self.journal.record_partial_insert(command, partial)
            if self.savepoints:
                self.undo.append(Undo(command.collection,
                                      inserted=[document["_id"] for document in partial]))
        self._failed_in_transaction(command, error)
        if getattr(error, "code", None) == WRITE_CONFLICT:
            raise OperationalError(
                f"Write conflict on collection {command.collection!r} ({command.operation}): "
                "another transaction changed the same document. This command was not applied; "
                "run the atomic block again."
            ) from error
        if _is_transient(error):
            raise OperationalError(
                f"MongoDB aborted the transaction during {command.operation} on collection "
                f"{command.collection!r}: {error}. This command was not applied."
            ) from error

    # -- internals --------------------------------------------------------------------------------

    def _belongs_in_transaction(self, command) -> bool:
        if command.operation not in READS and command.operation not in WRITES:
            return False
        if command.collection is None:
            # A database-level aggregate ($documents, as Q.check() sends for constraint
            # validation) reads collections through $lookup: it must see the transaction's own
            # writes, so it runs in the transaction too.
            return command.operation == "aggregate"
        return not (command.collection == SCHEMA_COLLECTION and self.settings.counters == "outside")

    def close(self) -> None:
        """The connection is closing: abort what it left open and end its session."""
        self._end_session()

    def _session_is_current(self) -> bool:
        return self._session is not None and self._session_owner is self.connection.connection

    def _current_session(self):
        """Return the session, starting a new one on a new or reopened connection."""
        if not self._session_is_current():
            self._end_session()
            self._session = self.connection.mongo_client.start_session()
            self._session_owner = self.connection.connection
        return self._session

    def _end_session(self):
        """End the session of a connection that was closed since, aborting what it left open."""
        if self._session is not None:
            try:
                self._session.end_session()
            except PyMongoError:
                pass  # Its client is closed too: the server times the session out.
        self._drop_session()

    def _drop_session(self):
        """Forget the session without handing its server session back to pymongo's pool.

        After a failed commit a session may still carry the failed transaction on the server
        (docs/engine-deviations.md#failed-commit-poisons-session); a dropped server session
        is never reused, and the server forgets it after its logical session timeout.
        """
        self._session = None
        self._session_owner = None

    def _commit(self, session) -> None:
        retries = 0
        while True:
            try:
                session.commit_transaction()
                return
            except PyMongoError as error:
                unknown = error.has_error_label("UnknownTransactionCommitResult")
                if unknown and retries < self.settings.commit_retries:
                    retries += 1
                    continue
                self._drop_session()
                raise self._commit_error(error, unknown, retries) from error

    def _commit_error(self, error, unknown, retries) -> DatabaseError:
        where = (f"on database {self.connection.alias!r} (collections "
                 f"{', '.join(map(repr, sorted(self.touched))) or 'none'})")
        if unknown:
            return OperationalError(
                f"The outcome of the MongoDB commit {where} is unknown after {retries + 1} "
                f"attempts: {error}. The writes may or may not have been applied."
            )
        error_class = OperationalError if _is_transient(error) else DatabaseError
        hint = ""
        if self.counted_outside:
            hint = (
                ' This transaction took ids from the __schema__ counters outside itself '
                '(TRANSACTIONS "counters": "outside"); a server that fails a commit after any '
                'write made outside the transaction, as the embedded engine does, needs '
                '"counters": "inside" (docs/engine-deviations.md'
                '#transaction-conflicts-database-wide).'
            )
        return error_class(
            f"MongoDB could not commit the transaction {where}: {error}. Nothing was "
            f"committed; run the atomic block again.{hint}"
        )

    def _abort(self) -> None:
        try:
            # pymongo ignores the server's errors here (an aborted transaction is aborted).
            self._session.abort_transaction()
        except PyMongoError:
            self._drop_session()

    def _failed_in_transaction(self, command, error) -> None:
        self._mark_broken(f"{command.operation} on collection {command.collection!r} failed: "
                          f"{error}")

    def _mark_broken(self, reason: str) -> None:
        """MongoDB aborts a transaction when one of its commands fails; abort it here too."""
        if self._session_is_current() and self._session.in_transaction:
            self._abort()
        self.broken = reason

    def _rebuild(self, position: int) -> None:
        """Start a new transaction holding the first `position` writes of the journal."""
        reason = self.broken or "a savepoint was rolled back over writes it does not undo in place"
        if not self.journal.complete:
            raise DatabaseError(
                f"The MongoDB transaction on database {self.connection.alias!r} must be "
                f"rebuilt ({reason}) but cannot be: it wrote more than "
                f"{self.settings.recovery_log_limit} documents (TRANSACTIONS "
                "'recovery_log_limit'). Leave the atomic block to roll it back."
            )
        session = self._current_session()
        if session.in_transaction:
            self._abort()
            session = self._current_session()
        session.start_transaction(**self.settings.transaction_options())
        try:
            self.journal.replay(self.connection.mongo_database, session, position)
        except (PyMongoError, ReplayMismatch) as error:
            self._abort()
            self.broken = reason
            raise DatabaseError(
                f"The MongoDB transaction on database {self.connection.alias!r} had to be "
                f"rebuilt ({reason}) and rebuilding it failed: {error}. Leave the atomic block "
                "to roll it back."
            ) from error
        self.broken = None

    def _savepoint_index(self, sid: str) -> int:
        for index, savepoint in enumerate(self.savepoints):
            if savepoint.sid == sid:
                return index
        raise DatabaseError(
            f"No savepoint {sid!r} in the current transaction on database "
            f"{self.connection.alias!r}."
        )


def _is_transient(error) -> bool:
    """Whether MongoDB says the whole transaction may succeed if run again."""
    return (getattr(error, "code", None) == WRITE_CONFLICT
            or error.has_error_label("TransientTransactionError"))
