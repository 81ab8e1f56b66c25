"""Test harness of the search plugin: Django configured with search_testapp.settings.

The tests run in a process of their own (djongo_core.plugin_testing says how). Tests take the
`db` fixture: the test database is created (migrated) once per session, and every collection is
emptied after each test (search indexes stay: they belong to the migrated collections).
"""

from djongo_core.plugin_testing import PluginTests, db, django_test_database  # noqa: F401

HARNESS = PluginTests(__file__, settings="search_testapp.settings",
                      child_runner="test_search_in_own_process.py")


def pytest_configure(config):
    HARNESS.configure(config)


def pytest_ignore_collect(collection_path, config):
    return HARNESS.ignore_collect(collection_path, config)


def pytest_collection_modifyitems(config, items):
    HARNESS.mark_engine_deviations(config, items)
