"""The one place where pymongo is called.

Every Command goes through the plugin host's `djongo_execute` hook (the core's own implementation
is a built-in plugin), is logged into `connection.queries` as readable MQL when Django logs
queries, and has its pymongo errors translated into Django's.
"""

import logging
import time

from djongo_core.errors import translated_errors

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
        connection.ensure_connection()
        # Django refuses queries in an atomic block marked for rollback; SQL backends check in
        # their cursor wrapper, which this backend does not use. After connecting, as there: a
        # connection closed inside atomic() reopens with that mark cleared.
        connection.validate_no_broken_transaction()
        logged = log and connection.queries_logged
        start = time.monotonic() if logged else 0.0
        try:
            with translated_errors(command):
                return connection.plugin_host.hook.djongo_execute(
                    connection=connection, command=command
                )
        finally:
            if logged:
                self._log(command, time.monotonic() - start)

    def documents(self, command, log=True):
        """Run a find/aggregate command and yield its documents, translating cursor errors too."""
        cursor = self.run(command, log=log)
        try:
            with translated_errors(command):
                yield from cursor
        finally:
            cursor.close()

    def _log(self, command, duration):
        mql = command.as_mql()
        self.connection.queries_log.append({"sql": mql, "time": f"{duration:.3f}"})
        logger.debug("(%.3f) %s", duration, mql, extra={"duration": duration, "sql": mql,
                                                      "alias": self.connection.alias})
