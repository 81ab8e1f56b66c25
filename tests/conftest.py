"""Test harness: Django configured with tests.settings, one test database per session.

Tests that touch the database take the `db` fixture: the database is created and migrated once,
and every collection the test wrote to is emptied afterwards (the contrib fixtures that migrate
creates, content types and permissions, are kept).

With MONGODB_URI set, everything runs against that server instead of the embedded engine, and
tests marked engine_deviation are expected to pass there.
"""

import os

import django
import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.db import connection  # noqa: E402  (needs django.setup())

from djongo_core.counters import SCHEMA_COLLECTION  # noqa: E402
from djongo_core.embedded import stop_started_servers  # noqa: E402

ON_REAL_MONGODB = bool(os.environ.get("MONGODB_URI"))
KEPT_COLLECTIONS = {"django_migrations", "django_content_type", "auth_permission",
                    SCHEMA_COLLECTION}
DEVIATIONS_DOC = "docs/engine-deviations.md"


def pytest_sessionfinish(session, exitstatus):
    # Stop the persistent embedded servers the tests started in temporary directories, rather
    # than leave them running (and their Popen objects to a ResourceWarning at exit).
    stop_started_servers()


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("engine_deviation")
        if marker is None or ON_REAL_MONGODB:
            continue
        entry = marker.args[0]
        # strict: when the engine is fixed the test passes, and the XPASS fails the run so the
        # deviation entry gets removed.
        item.add_marker(pytest.mark.xfail(
            reason=f"embedded engine deviation, see {DEVIATIONS_DOC}#{entry}", strict=True
        ))


@pytest.fixture(scope="session")
def django_test_database():
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    yield connection
    connection.creation.destroy_test_db(original_name, verbosity=0)


@pytest.fixture
def db(django_test_database):
    """Give the test the database; empty what it wrote afterwards."""
    yield connection
    database = connection.mongo_database
    for name in database.list_collection_names():
        if name not in KEPT_COLLECTIONS:
            database[name].delete_many({})


@pytest.fixture
def queries(db):
    """Record the commands the test runs (connection.queries), as Django does under DEBUG."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        yield captured
