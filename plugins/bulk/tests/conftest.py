"""Test harness of the bulk plugin: Django configured with bulk_testapp.settings.

The tests run in a process of their own (djongo_core.plugin_testing says how). Tests take the
`db` fixture: the test database is created once per session (its other aliases, "plain"
and those of the installed plugins, mirror it), every collection the test wrote to is emptied afterwards, and a
transaction a test left open is ended.
"""

from djongo_core.plugin_testing import PluginTests, db, django_test_database  # noqa: F401

HARNESS = PluginTests(__file__, settings="bulk_testapp.settings",
                      child_runner="test_bulk_in_own_process.py")


def pytest_configure(config):
    HARNESS.configure(config)


def pytest_ignore_collect(collection_path, config):
    return HARNESS.ignore_collect(collection_path, config)


def pytest_collection_modifyitems(config, items):
    HARNESS.mark_engine_deviations(config, items)
