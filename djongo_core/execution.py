"""The one place where pymongo is called.

Every Command is first offered to `djongo_intercept_command` (a plugin may answer it without
running it), then goes through the plugin host's `djongo_execute` hook (the core's own
implementation is a built-in plugin, djongo_core.plugins.manager.CoreExecution, which makes the
pymongo call) inside the wrappers of `connection.execute_wrapper()`, is logged into
`connection.queries` as readable MQL when Django logs queries, and has its pymongo errors
translated into Django's.
"""

import functools
import inspect
import logging
import time
from contextlib import contextmanager

from django.db import DatabaseError, DataError, IntegrityError, NotSupportedError

from djongo_core.errors import DRIVER_ERRORS, django_error

logger = logging.getLogger("django.db.backends")


def refuse_if_test_forbids_queries(connection):
    """Raise Django's DatabaseOperationForbidden when the running test may not query this
    database (a SimpleTestCase, or a TestCase whose `databases` leaves the alias out).

    Django guards such tests by replacing the connection's cursor() with a callable that raises;
    commands here do not go through cursor(), so without this check a test could query a
    connection that is already open."""
    replaced = connection.__dict__.get("cursor")
    if replaced is None or inspect.ismethod(replaced):
        return  # not replaced, or put back after the test (the bound method itself)
    from django.test.testcases import _DatabaseFailure  # only reached inside Django's tests

    if isinstance(replaced, _DatabaseFailure):
        replaced()


class Executor:
    """Run Commands for one Django connection."""

    def __init__(self, connection):
        self.connection = connection
        # The commands of the statement being logged as one query (logged_as_one), else None.
        self._grouped = None

    def run(self, command, log=True):
        """Run the command and return pymongo's result (cursors are returned unread).

        log=False leaves connection.queries to the caller (Django's debug cursor wrapper
        logs what a DB-API cursor runs)."""
        connection = self.connection
        refuse_if_test_forbids_queries(connection)
        # As Django's cursors do: a connection belongs to the thread that opened it unless
        # inc_thread_sharing() allowed others (DatabaseError otherwise); checked before
        # anything is sent, so another thread never runs a command on it.
        connection.validate_thread_sharing()
        # As Django's cursors do: with CONN_HEALTH_CHECKS, a persistent connection is checked
        # once per request and replaced if its server went away.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        # Django refuses queries in an atomic block marked for rollback; SQL backends check in
        # their cursor wrapper, which this backend does not use. After connecting, as there: a
        # connection closed inside atomic() reopens with that mark cleared.
        connection.validate_no_broken_transaction()
        # The read/write concern and read preference of the command's model (MODEL_OPTIONS).
        command = connection.model_concerns.attach(command)
        # A plugin may answer the command itself (the bulk plugin queues writes): it is then
        # not run, not seen by djongo_execute's wrappers and not logged.
        host = connection.plugin_host
        try:
            answer = host.intercept(connection, command)
        except DatabaseError as error:
            self._note(error)
            raise
        if answer is not None:
            return answer
        # log=False: a Django DB-API cursor runs it, and has called the wrappers already.
        if log and connection.execute_wrappers:
            return self._through_execute_wrappers(command)
        return self._execute(command, log)

    def _execute(self, command, log):
        connection = self.connection
        logged = log and connection.queries_logged
        start = time.monotonic() if logged else 0.0
        # try/except rather than context managers: this runs for every command.
        try:
            return connection.plugin_host.execute(connection, command)
        except DRIVER_ERRORS as error:
            translated = django_error(error, command)
            self._note(translated)
            raise translated from error
        except DatabaseError as error:
            self._note(error)
            raise
        finally:
            if logged:
                self._log(command, time.monotonic() - start)

    def _through_execute_wrappers(self, command):
        """Run the command inside connection.execute_wrapper()'s wrappers, as Django's cursors
        run SQL: each is called as wrapper(execute, sql, params, many, context), sql being the
        command's MQL text (its values are inline: params is empty) and context holding the
        connection, no cursor, and the Command itself."""
        mql = command.as_mql()

        def execute(sql, params, many, context):
            if sql != mql or params or many:
                raise NotSupportedError(
                    "An execute wrapper passed on a statement other than the one it was given; "
                    "MongoDB runs the Command, not its text, so a wrapper may observe, time or "
                    "refuse a command but cannot rewrite it (context['command'] is the Command)."
                )
            return self._execute(command, log=True)

        for wrapper in reversed(self.connection.execute_wrappers):
            execute = functools.partial(wrapper, execute)
        return execute(mql, (), False,
                       {"connection": self.connection, "cursor": None, "command": command})

    def documents(self, command, log=True):
        """Run a find/aggregate command and yield its documents, translating cursor errors too."""
        cursor = self.run(command, log=log)
        try:
            yield from cursor
        except DRIVER_ERRORS as error:
            translated = django_error(error, command)
            self._note(translated)
            raise translated from error
        except DatabaseError as error:
            self._note(error)
            raise
        finally:
            cursor.close()

    def _note(self, error):
        # Django's rule for SQL backends (DatabaseErrorWrapper): after an error other than
        # bad data or a broken constraint, the connection is checked at the end of the request
        # (close_if_unusable_or_obsolete) and replaced if its server is gone, so that a
        # persistent connection does not keep failing after the server comes back elsewhere.
        if not isinstance(error, (DataError, IntegrityError)):
            self.connection.errors_occurred = True

    @contextmanager
    def logged_as_one(self):
        """Log the commands run inside as one query, listing each of them: the work a SQL
        database does inside one statement (a delete's database-level cascades) counts as one
        query there too."""
        if self._grouped is not None:
            yield
            return
        self._grouped = grouped = []
        try:
            yield
        finally:
            self._grouped = None
            if grouped:
                duration = sum(part_duration for _, part_duration in grouped)
                self._append(" ; ".join(mql for mql, _ in grouped), duration)

    def _log(self, command, duration):
        mql = command.as_mql()
        if self._grouped is not None:
            self._grouped.append((mql, duration))
            return
        self._append(mql, duration)

    def _append(self, mql, duration):
        self.connection.queries_log.append({"sql": mql, "time": f"{duration:.3f}"})
        logger.debug("(%.3f) %s", duration, mql, extra={"duration": duration, "sql": mql,
                                                      "alias": self.connection.alias})
