"""The pytest harness a plugin distribution's tests share (plugins/<name>/tests/conftest.py).

Django can be configured once per process, and the core's tests configure it without plugins.
A plugin's tests need their own settings, so they never share a process with the core's:

- Run on their own (`./dev test plugins/<name>/tests`, or any path inside that folder), the
  conftest configures Django with the plugin's test settings and the tests run in this process.
- Collected along with other folders (`./dev test`), the folder collects only its child runner,
  a test that runs the folder on its own in a child pytest and fails with the child's report.

Tests marked ``@pytest.mark.engine_deviation("<entry>")`` must name an entry of
docs/engine-deviations.md; on the embedded engine they are strict expected failures.

A plugin's conftest imports the database fixtures below (``django_test_database``: the test
database, created and migrated once per session, with the aliases that mirror it; ``db``: the
database for one test, any transaction it left open ended and every collection it may have
written to emptied afterwards). ``stop_embedded_server(directory)`` stops a persistent embedded
server, for tests of what survives a restart; ``wired(alias, **settings)`` reconnects an alias
with a ``Wire`` that records the commands the server receives.
"""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from pymongo import monitoring

DEVIATIONS_DOC = "docs/engine-deviations.md"
# What the test database keeps between tests: what migrate made once.
KEPT_COLLECTIONS = {"django_migrations", "django_content_type", "__schema__"}


class PluginTests:
    """The harness of one plugin's tests folder."""

    def __init__(self, conftest_file, settings, child_runner):
        self.folder = Path(conftest_file).resolve().parent
        # plugins/<name>/tests -> the repository root.
        self.root = self.folder.parents[2]
        self.settings = settings
        self.child_runner = child_runner

    def runs_alone(self, config) -> bool:
        """Whether this pytest run collects nothing but the folder (or paths inside it)."""
        if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
            base = config.rootpath
        else:
            base = config.invocation_params.dir
        for arg in config.args:
            path = (base / arg.split("::", 1)[0]).resolve()
            if path != self.folder and self.folder not in path.parents:
                return False
        return True

    def configure(self, config):
        """pytest_configure: set Django up with the plugin's settings when running alone."""
        if self.runs_alone(config):
            import django

            from djongo_core.embedded import stop_started_servers

            os.environ["DJANGO_SETTINGS_MODULE"] = self.settings
            django.setup()
            # Leave no persistent embedded server of the tests running after them.
            config.add_cleanup(stop_started_servers)

    def ignore_collect(self, collection_path, config):
        """pytest_ignore_collect: the child runner in a combined run, the rest when alone."""
        if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
            return None
        return (collection_path.name == self.child_runner) == self.runs_alone(config)

    def mark_engine_deviations(self, config, items):
        """pytest_collection_modifyitems: engine_deviation tests become strict xfails here."""
        if not self.runs_alone(config):
            return
        entries = {line[3:].split(" (", 1)[0].strip()
                   for line in (self.root / DEVIATIONS_DOC).read_text().splitlines()
                   if line.startswith("## ")}
        on_real_mongodb = bool(os.environ.get("MONGODB_URI"))
        for item in items:
            marker = item.get_closest_marker("engine_deviation")
            if marker is None:
                continue
            if marker.args[0] not in entries:
                raise pytest.UsageError(
                    f"{item.nodeid} is marked engine_deviation({marker.args[0]!r}), which has "
                    f"no entry in {DEVIATIONS_DOC}."
                )
            if on_real_mongodb:
                continue
            # strict: when the engine is fixed the test passes, and the XPASS fails the run so
            # that the entry and the marker get removed.
            item.add_marker(pytest.mark.xfail(
                reason=f"embedded engine deviation, see {DEVIATIONS_DOC}#{marker.args[0]}",
                strict=True,
            ))


def run_folder_in_child(folder):
    """Run a plugin's tests folder in a child pytest; fail with its report unless it passed."""
    folder = Path(folder).resolve()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider"],
        cwd=folder.parents[2], capture_output=True, text=True, timeout=900,
        env=os.environ.copy(),
    )
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, report


def stop_embedded_server(directory, timeout=10.0):
    """Stop the persistent embedded server of ``directory`` as its idle timeout would
    (SIGTERM), and wait until it has: the next connection to the directory starts a new one.
    For tests of what survives a restart."""
    import signal
    import time

    from djongo_core.embedded.directory import read_advertisement

    directory = Path(directory)
    advertised = read_advertisement(directory)
    assert advertised is not None, f"no embedded server serves {directory}"
    os.kill(advertised["pid"], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while read_advertisement(directory) is not None:
        assert time.monotonic() < deadline, f"the embedded server of {directory} did not stop"
        time.sleep(0.05)


@pytest.fixture(scope="session")
def django_test_database():
    """The default database as the test database, created (migrated) once per session; every
    alias whose TEST MIRROR names it (another connection to the same database, with other
    settings or plugins) mirrors it, as under Django's test runner."""
    from django.db import connections
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    default = connections["default"]
    original_name = default.settings_dict["NAME"]
    default.creation.create_test_db(verbosity=0, autoclobber=True)
    mirrors = [alias for alias in connections
               if connections.settings[alias].get("TEST", {}).get("MIRROR") == "default"]
    for alias in mirrors:
        connections[alias].creation.set_as_test_mirror(default.settings_dict)
    yield default
    for alias in [*mirrors, "default"]:
        connections[alias].close()
    default.creation.destroy_test_db(original_name, verbosity=0)
    teardown_test_environment()


@pytest.fixture
def db(django_test_database):
    """Give the test the database; afterwards end any transaction it left open, on any alias,
    and empty every collection it may have written to."""
    from django.db import connections

    yield django_test_database
    for connection in connections.all():
        if connection.in_atomic_block or not connection.get_autocommit():
            _end_transaction(connection)
    database = django_test_database.mongo_database
    for name in database.list_collection_names():
        if name not in KEPT_COLLECTIONS and not name.startswith("system."):
            database[name].delete_many({})


def _end_transaction(connection):
    # A test that failed inside atomic() leaves its blocks behind: forget them, roll back
    # what the transaction wrote, and return to autocommit, so the next test starts clean.
    connection.in_atomic_block = False
    connection.atomic_blocks.clear()
    connection.savepoint_ids.clear()
    connection.needs_rollback = False
    connection.rollback()
    connection.set_autocommit(True)


class Wire(monitoring.CommandListener):
    """The commands a client sent, as the server received them (pymongo command monitoring):
    `sent` holds (command name, command document) pairs in order."""

    def __init__(self):
        self.sent = []

    def started(self, event):
        self.sent.append((event.command_name, dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def commands(self, name, collection):
        """The documents of the `name` commands sent to `collection` ("insert", "find", ...)."""
        return [body for command, body in self.sent
                if command == name and body.get(name) == collection]


# The connection's collaborators built once from a settings key, built again by wired().
_BUILT_FROM_SETTINGS = {"MODEL_OPTIONS": "model_concerns", "FLEXIBLE_SCHEMA": "flexible_schema"}


@contextmanager
def wired(alias="default", **settings):
    """Reconnect `alias` with a Wire listening on its new client and the given DATABASES keys
    set (MODEL_OPTIONS={...}, say); yield the Wire. Afterwards the connection closes and its
    settings are as before, so the next query reconnects without the listener."""
    from django.db import connections

    connection = connections[alias]
    wire = Wire()
    settings_dict = connection.settings_dict
    missing = object()
    saved = {key: settings_dict.get(key, missing) for key in [*settings, "OPTIONS"]}
    connection.close()
    settings_dict.update(settings)
    settings_dict["OPTIONS"] = {**saved["OPTIONS"], "event_listeners": [wire]}
    _forget_built_from(connection, settings)
    try:
        yield wire
    finally:
        connection.close()
        for key, value in saved.items():
            if value is missing:
                settings_dict.pop(key, None)
            else:
                settings_dict[key] = value
        _forget_built_from(connection, settings)


def _forget_built_from(connection, settings):
    for key in settings:
        if key in _BUILT_FROM_SETTINGS:
            vars(connection).pop(_BUILT_FROM_SETTINGS[key], None)
