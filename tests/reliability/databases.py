"""Extra database aliases for one test, and the embedded servers they start."""

import os
import signal

from django.db import connections


def add_alias(monkeypatch, alias, **settings):
    """Make connections[alias] use these DATABASES settings until the test ends.

    Django reads DATABASES once; the settings are added to the connection handler (as
    configure_settings completes them) and removed by monkeypatch afterwards. The caller
    closes the alias's connection (close_alias) before that.
    """
    configured = connections.configure_settings({"default": {}, alias: settings})[alias]
    monkeypatch.setitem(connections.settings, alias, configured)


def close_alias(alias):
    connection = connections[alias]
    connection.close()
    if connection.connection is not None:
        # Django's SQLite backend keeps an in-memory database open through close().
        connection.connection.close()
    del connections[alias]


def running(pid):
    try:
        os.waitpid(pid, os.WNOHANG)  # a server this process started: reap it once exited
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_servers(directory):
    """Stop every embedded server ever started for directory (they log their pid)."""
    log = directory / "embedded.log"
    for line in log.read_text().splitlines() if log.exists() else []:
        if " serving " in line:
            pid = int(line.split(" pid ")[1].split()[0])
            if running(pid):
                os.kill(pid, signal.SIGCONT)  # a frozen server must be awake to stop
                os.kill(pid, signal.SIGTERM)
