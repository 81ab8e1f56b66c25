"""Sequence resets on the `__schema__` counters: loaddata and sqlsequencereset raise a counter
past the ids a fixture gave, a flush or TransactionTestCase.reset_sequences starts it again."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import CaptureQueriesContext

from djongo_core.counters import SCHEMA_COLLECTION
from tests.testapp.models import Author, Book, Tag

pytestmark = pytest.mark.usefixtures("db")


def seq(table):
    entry = connection.mongo_database[SCHEMA_COLLECTION].find_one({"name": table})
    return (entry or {}).get("auto", {}).get("seq")


def set_seq(table, value):
    connection.mongo_database[SCHEMA_COLLECTION].update_one(
        {"name": table}, {"$set": {"auto.seq": value}})


def run(statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def test_loaddata_raises_the_counter_past_the_ids_of_the_fixture(tmp_path):
    set_seq("testapp_author", 3)
    fixture = tmp_path / "authors.json"
    fixture.write_text(json.dumps([
        {"model": "testapp.author", "pk": 40, "fields": {"name": "Forty"}},
        {"model": "testapp.author", "pk": 41, "fields": {"name": "Forty-one"}},
    ]))
    call_command("loaddata", str(fixture), verbosity=0)
    assert seq("testapp_author") == 41
    with CaptureQueriesContext(connection) as captured:
        created = Author.objects.create(name="Next")
    assert created.pk == 42
    # No collision to heal: one counter command, one insert.
    assert [q["sql"].split("(")[0] for q in captured] == [
        f"db.{SCHEMA_COLLECTION}.find_one_and_update", "db.testapp_author.insert_one"]


def test_sequence_reset_never_lowers_a_counter():
    Author.objects.create(pk=7, name="Seven")
    set_seq("testapp_author", 100)
    run(connection.ops.sequence_reset_sql(no_style(), [Author]))
    assert seq("testapp_author") == 100


def test_sequence_reset_follows_only_integer_ids_within_the_field():
    authors = connection.mongo_database["testapp_author"]
    authors.insert_many([{"_id": 9, "name": "nine"}, {"_id": "text", "name": "text"},
                         {"_id": 2**40, "name": "beyond an AutoField"}])
    set_seq("testapp_author", 0)
    run(connection.ops.sequence_reset_sql(no_style(), [Author]))
    assert seq("testapp_author") == 9


def test_sequence_reset_prints_the_update_it_makes():
    (statement,) = connection.ops.sequence_reset_sql(no_style(), [Author, Author])
    assert statement == (
        'db.__schema__.update_one({"name": "testapp_author"}, {"$max": {"auto.seq": '
        '"<the largest integer _id in testapp_author>"}, "$set": {"auto.field_names": ["id"]}}, '
        '{"upsert": true})')
    out = io.StringIO()
    call_command("sqlsequencereset", "testapp", stdout=out)
    assert statement in out.getvalue()


def test_models_without_a_counted_key_have_nothing_to_reset():
    from tests.testapp.models import Note  # ObjectId keys: no counter

    assert connection.ops.sequence_reset_sql(no_style(), [Note]) == []


def test_reset_by_name_starts_the_counters_again_from_one():
    Tag.objects.create(label="gone")
    Book.objects.all().delete()
    Tag.objects.all().delete()
    sequences = [{"table": "testapp_tag", "column": "id"},
                 {"table": "testapp_book", "column": "id"}]
    (statement,) = connection.ops.sequence_reset_by_name_sql(no_style(), sequences)
    assert statement == ('db.__schema__.update_many({"name": {"$in": ["testapp_tag", '
                         '"testapp_book"]}}, {"$unset": {"auto": ""}})')
    run([statement])
    assert Tag.objects.create(label="first").pk == 1


def test_reset_by_name_drops_values_a_counter_cache_drew_ahead():
    Tag.objects.all().delete()
    with connection.counters.reserving_ahead(10):
        Tag.objects.create(label="drawn ahead")
        run(connection.ops.sequence_reset_by_name_sql(
            no_style(), [{"table": "testapp_tag", "column": "id"}]))
        Tag.objects.all().delete()
        assert Tag.objects.create(label="first").pk == 1


def test_flush_with_reset_sequences_starts_the_counters_again():
    Tag.objects.create(label="flushed")
    statements = connection.ops.sql_flush(no_style(), ["testapp_tag"], reset_sequences=True)
    connection.ops.execute_sql_flush(statements)
    assert Tag.objects.count() == 0
    assert Tag.objects.create(label="first").pk == 1


def test_the_cursor_still_refuses_sql():
    from django.db import NotSupportedError

    with pytest.raises(NotSupportedError, match="does not run SQL"):
        run(["SELECT 1"])
