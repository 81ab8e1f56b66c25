"""Test harness of the indexes plugin: Django configured with indexes_testapp.settings.

Django can be configured once per process, and the core's tests configure it without this
plugin. Run on their own (`./dev test plugins/indexes/tests`, or a path inside this folder),
these tests configure Django here; collected along with other folders (`./dev test`), this folder
collects only test_indexes_in_own_process.py, which runs the folder in a child pytest.

Tests take the `db` fixture: the test database is created (migrated) once per session, and every
collection is emptied after each test.
"""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SETTINGS = "indexes_testapp.settings"
CHILD_RUNNER = "test_indexes_in_own_process.py"
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
            raise pytest.UsageError(f"{item.nodeid} is marked engine_deviation("
                                    f"{marker.args[0]!r}), which has no entry in {DEVIATIONS_DOC}.")
        if not ON_REAL_MONGODB:
            item.add_marker(pytest.mark.xfail(
                reason=f"embedded engine deviation, see {DEVIATIONS_DOC}#{marker.args[0]}",
                strict=True,
            ))


@pytest.fixture(scope="session")
def django_test_database():
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    yield connection
    connection.close()
    connection.creation.destroy_test_db(original_name, verbosity=0)
    teardown_test_environment()


KEPT_COLLECTIONS = {"django_migrations", "django_content_type", "__schema__"}


@pytest.fixture
def db(django_test_database):
    """Give the test the database; afterwards empty every collection it may have written to."""
    yield django_test_database
    database = django_test_database.mongo_database
    for name in database.list_collection_names():
        if name not in KEPT_COLLECTIONS:
            database[name].delete_many({})
