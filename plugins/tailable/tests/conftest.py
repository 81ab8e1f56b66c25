"""Test harness of the tailable plugin: Django configured with tailable_testapp.settings.

The tests run in a process of their own (djongo_core.plugin_testing says how). Tests take the
`db` fixture: the test database is created (migrated) once per session, and every collection is
emptied after each test (a capped collection is dropped and created again: MongoDB 7.0 deletes
from capped collections, older servers did not).
"""

import pytest

from djongo_core.plugin_testing import PluginTests

HARNESS = PluginTests(__file__, settings="tailable_testapp.settings",
                      child_runner="test_tailable_in_own_process.py")


def pytest_configure(config):
    HARNESS.configure(config)


def pytest_ignore_collect(collection_path, config):
    return HARNESS.ignore_collect(collection_path, config)


def pytest_collection_modifyitems(config, items):
    HARNESS.mark_engine_deviations(config, items)


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
