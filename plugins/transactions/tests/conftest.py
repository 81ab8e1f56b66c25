"""Test harness of the transactions plugin: Django configured with transactions_testapp.settings.

The tests run in a process of their own (djongo_core.plugin_testing says how). Tests take the
`db` fixture: the test database is created once per session ("other" mirrors it), every
collection the test wrote to is emptied afterwards, and a transaction a test left open is
ended. Django TestCase classes are marked `@pytest.mark.usefixtures("django_test_database")`
and isolate themselves.
"""

from djongo_core.plugin_testing import PluginTests, db, django_test_database  # noqa: F401

HARNESS = PluginTests(__file__, settings="transactions_testapp.settings",
                      child_runner="test_in_own_process.py")


def pytest_configure(config):
    HARNESS.configure(config)


def pytest_ignore_collect(collection_path, config):
    return HARNESS.ignore_collect(collection_path, config)


def pytest_collection_modifyitems(config, items):
    HARNESS.mark_engine_deviations(config, items)
