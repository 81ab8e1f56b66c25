"""pymongo errors become Django's; every command shows up in connection.queries as MQL."""

import pytest
from django.db import DatabaseError, IntegrityError, NotSupportedError, OperationalError, connection
from django.test.utils import CaptureQueriesContext

from djongo_core.command import Command
from tests.testapp.models import Author, Tag

pytestmark = pytest.mark.usefixtures("db")


def test_duplicate_key_is_integrity_error_naming_collection_and_index():
    Tag.objects.create(label="x")
    with pytest.raises(IntegrityError, match=r"collection 'testapp_tag' on index 'testapp_tag_label_\w+_uniq'"):
        Tag.objects.create(label="x")


def test_nullable_unique_field_allows_many_nulls_like_sql():
    Author.objects.create(name="a", email=None)
    Author.objects.create(name="b", email=None)
    Author.objects.create(name="c", email="c@example.com")
    with pytest.raises(IntegrityError):
        Author.objects.create(name="d", email="c@example.com")


def test_commands_are_logged_as_readable_mql():
    with CaptureQueriesContext(connection) as captured:
        list(Author.objects.filter(name="Ann", age__gte=18).order_by("-age"))
    assert captured[0]["sql"] == (
        'db.testapp_author.find({"age": {"$gte": 18}, "name": "Ann"}, '
        '{"_id": 1, "name": 1, "age": 1, "email": 1}, {"sort": [["age", -1]]})'
    )


def test_raw_sql_through_a_cursor_is_not_supported():
    with connection.cursor() as cursor, pytest.raises(NotSupportedError, match="does not run SQL"):
        cursor.execute("SELECT 1")


def test_server_rejection_is_database_error_naming_collection_and_operation():
    with pytest.raises(DatabaseError, match="aggregate on collection 'testapp_author'"):
        connection.executor.run(Command("testapp_author", "aggregate",
                                        ([{"$notAStage": {}}],)))


def test_unreachable_server_is_operational_error():
    from django.db import connections

    settings = {**connections.settings["default"], "NAME": "unreachable",
                "HOST": "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200"}
    wrapper = type(connections["default"])(settings, alias="unreachable")
    try:
        # The first command of a new connection asks the server's version.
        with pytest.raises(OperationalError, match="could not complete buildInfo on the database"):
            wrapper.executor.run(Command("x", "find_one", ({},)))
    finally:
        wrapper.close()
