"""CappedCollection: created capped, bounded by max and size, converted both ways by migrate."""

import io

import pytest
from django.core.management import call_command
from django.db import NotSupportedError, connection
from django.db import models
from django.test.utils import isolate_apps
from pymongo.errors import OperationFailure

from djongo_core.plugins import Command
from djongo_tailable import CappedCollection
from djongo_tailable.errors import refusal_naming_the_model
from tailable_testapp.models import Event, LogEntry

pytestmark = pytest.mark.usefixtures("db")


def options_of(model):
    return connection.mongo_database[model._meta.db_table].options()


def test_migrate_creates_the_collection_capped_with_its_bounds():
    assert options_of(LogEntry) == {"capped": True, "size": 4096, "max": 5}


def test_sqlmigrate_shows_the_capped_creation():
    out = io.StringIO()
    # sqlmigrate reads what exists: a collection that does not exist yet is created capped.
    connection.mongo_database.drop_collection("tailable_testapp_logentry")
    try:
        call_command("sqlmigrate", "tailable_testapp", "0001", stdout=out)
    finally:
        call_command("migrate", "tailable_testapp", "zero", verbosity=0)
        call_command("migrate", "tailable_testapp", verbosity=0)
    assert ('db.create_collection("tailable_testapp_logentry", '
            '{"capped": true, "size": 4096, "max": 5});') in out.getvalue()


def test_a_capped_model_with_max_5_keeps_the_newest_5_of_8():
    for number in range(8):
        LogEntry.objects.create(message=f"entry {number}")
    assert [entry.message for entry in LogEntry.objects.all()] == [
        f"entry {number}" for number in range(3, 8)]


def test_the_size_bound_removes_the_oldest_documents():
    # 4096 bytes hold three documents of about 1.1 KB; max (5) is not reached.
    for number in range(5):
        LogEntry.objects.create(message=f"{number}" + "x" * 1100)
    assert [entry.message[0] for entry in LogEntry.objects.all()] == ["2", "3", "4"]


def test_adding_and_removing_the_constraint_converts_the_collection_both_ways():
    database = connection.mongo_database
    call_command("migrate", "tailable_testapp", "0001", verbosity=0)
    try:
        assert options_of(Event) == {}
        for number in range(6):
            database.tailable_testapp_event.insert_one({"_id": number + 1, "name": f"e{number}"})
        out = io.StringIO()
        call_command("sqlmigrate", "tailable_testapp", "0002", stdout=out)
        assert out.getvalue().splitlines()[3:] == [
            'db.command({"convertToCapped": "tailable_testapp_event", "size": 8192});',
            'db.command({"collMod": "tailable_testapp_event", "cappedMax": 3});',
            'db.tailable_testapp_event.create_index([["name", 1]], {"name": "event_name"});',
            'db.__schema__.update_one({"name": "tailable_testapp_event"}, {"$set": '
            '{"constraints.event_capped": {"kind": "djongo_tailable.capped.CappedCollection"}}}, '
            '{"upsert": true});',
        ]
        call_command("migrate", "tailable_testapp", "0002", verbosity=0)
        assert options_of(Event) == {"capped": True, "size": 8192, "max": 3}
        assert [event.name for event in Event.objects.all()] == ["e3", "e4", "e5"]
        assert "event_name" in database.tailable_testapp_event.index_information()
        Event.objects.create(name="e6")
        assert [event.name for event in Event.objects.all()] == ["e4", "e5", "e6"]

        out = io.StringIO()
        call_command("sqlmigrate", "tailable_testapp", "0002", backwards=True, stdout=out)
        assert out.getvalue().splitlines()[3:6] == [
            'db.tailable_testapp_event.aggregate([{"$out": "tailable_testapp_event__uncapped"}]);',
            'db.tailable_testapp_event__uncapped.create_index([["name", 1]], '
            '{"name": "event_name"});',
            'db.tailable_testapp_event__uncapped.rename("tailable_testapp_event", '
            '{"dropTarget": true});',
        ]
        call_command("migrate", "tailable_testapp", "0001", verbosity=0)
        assert options_of(Event) == {}
        assert [event.name for event in Event.objects.all()] == ["e4", "e5", "e6"]
        assert "event_name" in database.tailable_testapp_event.index_information()
        for number in range(5):
            Event.objects.create(name=f"more {number}")
        assert Event.objects.count() == 8
    finally:
        call_command("migrate", "tailable_testapp", verbosity=0)
    assert options_of(Event) == {"capped": True, "size": 8192, "max": 3}


def test_introspection_reports_the_constraint_kind():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tailable_testapp_logentry")
    assert constraints["log_capped"]["type"] == "djongo_tailable.capped.CappedCollection"


def test_the_constraint_deconstructs_to_its_public_path():
    constraint = CappedCollection(size=4096, max=5, name="c")
    assert constraint.deconstruct() == ("djongo_tailable.CappedCollection", (),
                                        {"name": "c", "size": 4096, "max": 5})
    assert constraint == CappedCollection(size=4096, max=5, name="c")
    assert constraint != CappedCollection(size=8192, max=5, name="c")


def test_a_capped_refusal_names_the_model_and_the_way_out():
    error = OperationFailure(
        "Collection 'db.tailable_testapp_logentry' is a capped collection. Writes in "
        "transactions are not allowed on capped collections.", code=72)
    command = Command("tailable_testapp_logentry", "insert_many", model=LogEntry)
    replacement = refusal_naming_the_model(command, error)
    assert isinstance(replacement, NotSupportedError)
    assert str(replacement).startswith(
        "tailable_testapp.LogEntry is capped (CappedCollection 'log_capped'), and MongoDB "
        "refused insert_many on collection 'tailable_testapp_logentry': ")
    assert "write outside transaction.atomic()" in str(replacement)
    # Errors that have nothing to do with capping are left to the core.
    assert refusal_naming_the_model(command, OperationFailure("bad value", code=2)) is None


def test_tailable_on_a_collection_that_is_not_capped_is_refused_by_the_server():
    from pymongo import CursorType

    with pytest.raises(OperationFailure) as raised:
        list(connection.mongo_database.tailable_testapp_order.find(
            {}, cursor_type=CursorType.TAILABLE).limit(1))
        connection.mongo_database.tailable_testapp_order.insert_one({"_id": 1})
        list(connection.mongo_database.tailable_testapp_order.find(
            {}, cursor_type=CursorType.TAILABLE))
    assert raised.value.code == 2


# -- system checks ------------------------------------------------------------------------------


def check_ids(model):
    return sorted(message.id for constraint in model._meta.constraints
                  for message in constraint.check(model, connection))


@isolate_apps("tailable_testapp")
def test_checks_refuse_a_size_mongodb_would_round_and_a_bad_max():
    class Odd(models.Model):
        class Meta:
            app_label = "tailable_testapp"
            constraints = [CappedCollection(size=1000, max=0, name="odd_capped")]

    messages = [m for c in Odd._meta.constraints for m in c.check(Odd, connection)]
    assert sorted(m.id for m in messages) == ["djongo_tailable.E001", "djongo_tailable.E002"]
    assert messages[0].hint == "Use size=4096."


@isolate_apps("tailable_testapp")
def test_checks_refuse_two_capped_constraints_and_ttl_indexes():
    class Expiring(models.Index):
        expire_after = 60

    class Twice(models.Model):
        at = models.DateTimeField()

        class Meta:
            app_label = "tailable_testapp"
            indexes = [Expiring(fields=["at"], name="twice_ttl")]
            constraints = [CappedCollection(size=4096, name="one"),
                           CappedCollection(size=8192, name="two")]

    assert check_ids(Twice) == ["djongo_tailable.E005", "djongo_tailable.E005",
                                "djongo_tailable.E006"]


@isolate_apps("tailable_testapp")
def test_checks_want_the_plugin_enabled_and_warn_about_transactions():
    class Logged(models.Model):
        class Meta:
            app_label = "tailable_testapp"
            constraints = [CappedCollection(size=4096, name="logged_capped")]

    plugins = connection.settings_dict["PLUGINS"]
    connection.settings_dict["PLUGINS"] = ["transactions"]
    try:
        assert check_ids(Logged) == ["djongo_tailable.E004", "djongo_tailable.W001"]
    finally:
        connection.settings_dict["PLUGINS"] = plugins
    assert check_ids(Logged) == []
