"""The one place where pymongo is called.

Every Command is first offered to `djongo_intercept_command` (a plugin may answer it without
running it), then goes through the plugin host's `djongo_execute` hook (the core's own
implementation is a built-in plugin, djongo_core.plugins.manager.CoreExecution, which makes the
pymongo call), is logged into `connection.queries` as readable MQL when Django logs
queries, and has its pymongo errors translated into Django's.
"""

import logging
import time

from django.db import DatabaseError, DataError, IntegrityError

from djongo_core.errors import DRIVER_ERRORS, django_error

logger = logging.getLogger("django.db.backends")


class Executor:
    """Run Commands for one Django connection."""

    def __init__(self, connection):
        self.connection = connection

    def run(self, command, log=True):
        """Run the command and return pymongo's result (cursors are returned unread).

        log=False leaves connection.queries to the caller (Django's debug cursor wrapper
        logs what a DB-API cursor runs)."""
        connection = self.connection
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
        logged = log and connection.queries_logged
        start = time.monotonic() if logged else 0.0
        # try/except rather than context managers: this runs for every command.
        try:
            return host.execute(connection, command)
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

    def _log(self, command, duration):
        mql = command.as_mql()
        self.connection.queries_log.append({"sql": mql, "time": f"{duration:.3f}"})
        logger.debug("(%.3f) %s", duration, mql, extra={"duration": duration, "sql": mql,
                                                      "alias": self.connection.alias})
