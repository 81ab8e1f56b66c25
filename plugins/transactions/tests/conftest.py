"""Test harness of the transactions plugin: Django configured with transactions_testapp.settings.

Django can be configured once per process. The core's tests configure it with tests.settings
(no plugin); these tests need the plugin enabled, so they never share a process with them:

- Run on their own (`./dev test plugins/transactions/tests`, or any path inside this folder),
  this conftest configures Django with transactions_testapp.settings and the test modules run
  here, in this process.
- Collected along with other folders (`./dev test`, whose testpaths list the core's tests and
  this folder), Django belongs to the core's settings; this folder then collects only
  test_in_own_process.py, which runs the folder on its own in a child pytest and fails with
  the child's report if anything failed there.

Tests take the `db` fixture: the test database is created once per session, and every
collection the test wrote to is emptied afterwards. Django TestCase classes are marked
`@pytest.mark.usefixtures("django_test_database")` and isolate themselves.
"""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SETTINGS = "transactions_testapp.settings"
CHILD_RUNNER = "test_in_own_process.py"
ON_REAL_MONGODB = bool(os.environ.get("MONGODB_URI"))
DEVIATIONS_DOC = "docs/engine-deviations.md"


def runs_alone(config) -> bool:
    """Whether this pytest run collects nothing but this folder (or paths inside it)."""
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        base = config.rootpath
    else:
        base = config.invocation_params.dir
    for arg in config.args:
        path = (base / arg.split("::", 1)[0]).resolve()
        if path != HERE and HERE not in path.parents:
            return False
    return True


def pytest_configure(config):
    if runs_alone(config):
        import django

        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
        django.setup()


def pytest_ignore_collect(collection_path, config):
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    # The child runner in a combined run, everything else when alone.
    return (collection_path.name == CHILD_RUNNER) == runs_alone(config)


def pytest_collection_modifyitems(config, items):
    if not runs_alone(config):
        return
    entries = {line[3:].split(" (", 1)[0].strip()
               for line in (HERE.parents[2] / DEVIATIONS_DOC).read_text().splitlines()
               if line.startswith("## ")}
    for item in items:
        marker = item.get_closest_marker("engine_deviation")
        if marker is None:
            continue
        if marker.args[0] not in entries:
            raise pytest.UsageError(
                f"{item.nodeid} is marked engine_deviation({marker.args[0]!r}), which has no "
                f"entry in {DEVIATIONS_DOC}."
            )
        if ON_REAL_MONGODB:
            continue
        # strict: when the engine is fixed the test passes, and the XPASS fails the run so that
        # the entry and the marker get removed.
        item.add_marker(pytest.mark.xfail(
            reason=f"embedded engine deviation, see {DEVIATIONS_DOC}#{marker.args[0]}",
            strict=True,
        ))


@pytest.fixture(scope="session")
def django_test_database():
    from django.db import connections
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    default = connections["default"]
    original_name = default.settings_dict["NAME"]
    default.creation.create_test_db(verbosity=0, autoclobber=True)
    connections["other"].creation.set_as_test_mirror(default.settings_dict)
    yield default
    for alias in ("other", "default"):
        connections[alias].close()
    default.creation.destroy_test_db(original_name, verbosity=0)
    teardown_test_environment()


KEPT_COLLECTIONS = {"django_migrations", "django_content_type", "__schema__"}


@pytest.fixture
def db(django_test_database):
    """Give the test the database; afterwards end any transaction it left and empty what it wrote."""
    from django.db import connections

    yield django_test_database
    for alias in ("default", "other"):
        connection = connections[alias]
        if connection.in_atomic_block or not connection.get_autocommit():
            connection.in_atomic_block = False
            connection.atomic_blocks.clear()
            connection.savepoint_ids.clear()
            connection.needs_rollback = False
            connection.rollback()
            connection.set_autocommit(True)
    database = django_test_database.mongo_database
    for name in database.list_collection_names():
        if name not in KEPT_COLLECTIONS:
            database[name].delete_many({})
