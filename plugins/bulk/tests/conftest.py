"""Test harness of the bulk plugin: Django configured with bulk_testapp.settings.

The tests run in a process of their own (djongo_core.plugin_testing says how). Tests take the
`db` fixture: the test database is created once per session, every collection the test wrote
to is emptied afterwards, and a transaction a test left open is ended.
"""

import pytest

from djongo_core.plugin_testing import PluginTests

HARNESS = PluginTests(__file__, settings="bulk_testapp.settings",
                      child_runner="test_bulk_in_own_process.py")
KEPT_COLLECTIONS = {"django_migrations", "django_content_type", "__schema__"}


def pytest_configure(config):
    HARNESS.configure(config)


def pytest_ignore_collect(collection_path, config):
    return HARNESS.ignore_collect(collection_path, config)


def pytest_collection_modifyitems(config, items):
    HARNESS.mark_engine_deviations(config, items)


@pytest.fixture(scope="session")
def django_test_database():
    from django.db import connections
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    default = connections["default"]
    original_name = default.settings_dict["NAME"]
    default.creation.create_test_db(verbosity=0, autoclobber=True)
    mirrors = [alias for alias in connections if alias != "default"]
    for alias in mirrors:
        connections[alias].creation.set_as_test_mirror(default.settings_dict)
    yield default
    for alias in [*mirrors, "default"]:
        connections[alias].close()
    default.creation.destroy_test_db(original_name, verbosity=0)
    teardown_test_environment()


@pytest.fixture
def db(django_test_database):
    """Give the test the database; afterwards end what it left open and empty what it wrote."""
    from django.db import connections

    yield django_test_database
    for connection in connections.all():
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
