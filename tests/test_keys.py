"""Integer keys from `__schema__` counters, ObjectId keys, and the never-overwrite rule."""

import pytest
from bson import ObjectId
from django.db import DataError, connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION
from tests.testapp.models import Author, Item, Note

pytestmark = pytest.mark.usefixtures("db")


def counter(table):
    # The entry's "fields" (the declared fields, djongo_core/catalog.py) are not the counter.
    return connection.mongo_database[SCHEMA_COLLECTION].find_one(
        {"name": table}, {"_id": 0, "fields": 0})


def raw(table):
    return connection.mongo_database[table]


def test_counter_document_has_the_shape_djongo_documented():
    author = Author.objects.create(name="Ann")
    assert counter("testapp_author") == {
        "name": "testapp_author",
        "auto": {"field_names": ["id"], "seq": author.pk},
    }


def test_primary_key_is_stored_as_underscore_id():
    author = Author.objects.create(name="Ann")
    assert raw("testapp_author").find_one({"_id": author.pk})["name"] == "Ann"


def test_bulk_create_reserves_its_whole_range_with_one_counter_call():
    with CaptureQueriesContext(connection) as captured:
        items = Item.objects.bulk_create([Item(name=f"i{n}") for n in range(50)])
    ids = [item.pk for item in items]
    assert ids == list(range(ids[0], ids[0] + 50))
    counter_calls = [q for q in captured if q["sql"].startswith(f"db.{SCHEMA_COLLECTION}.")]
    inserts = [q for q in captured if ".insert_many(" in q["sql"]]
    assert len(counter_calls) == 1 and len(inserts) == 1


def test_an_explicit_id_costs_no_counter_call_and_the_counter_heals_past_it():
    last = Author.objects.create(name="Counted").pk
    with CaptureQueriesContext(connection) as captured:
        Author.objects.create(pk=last + 1, name="Hand-made")
    assert [q["sql"].split("(")[0] for q in captured] == ["db.testapp_author.insert_one"]
    # The counter hands out last + 1, which is taken: the insert heals and uses last + 2.
    assert Author.objects.create(name="Next").pk == last + 2
    assert Author.objects.get(pk=last + 1).name == "Hand-made"


def test_stale_counter_heals_itself_and_never_replaces_a_document():
    # Documents written outside Django (an adopted database) while the counter stayed behind.
    raw("testapp_author").insert_many([
        {"_id": 1, "name": "Existing one", "age": None, "email": None},
        {"_id": 2, "name": "Existing two", "age": None, "email": None},
    ])
    connection.mongo_database[SCHEMA_COLLECTION].update_one(
        {"name": "testapp_author"}, {"$set": {"auto.seq": 0}}
    )
    created = Author.objects.create(name="New")
    assert created.pk == 3
    assert raw("testapp_author").find_one({"_id": 1})["name"] == "Existing one"
    assert raw("testapp_author").find_one({"_id": 2})["name"] == "Existing two"
    assert counter("testapp_author")["auto"]["seq"] == 3


def test_stale_counter_heals_inside_a_bulk_create_batch():
    raw("testapp_item").insert_one({"_id": 3, "name": "Existing"})
    connection.mongo_database[SCHEMA_COLLECTION].update_one(
        {"name": "testapp_item"}, {"$set": {"auto.seq": 0}}
    )
    items = Item.objects.bulk_create([Item(name=f"new{n}") for n in range(5)])
    # 1 and 2 went in; 3 collided, so the rest get fresh values past the reserved range.
    assert [item.pk for item in items] == [1, 2, 6, 7, 8]
    assert raw("testapp_item").find_one({"_id": 3})["name"] == "Existing"
    assert raw("testapp_item").count_documents({}) == 6


@isolate_apps("tests.testapp")
def test_bulk_create_through_a_proxy_model_counts_ids_as_its_concrete_model_does():
    class AuthorProxy(Author):
        class Meta:
            app_label = "testapp"
            proxy = True

    class NoteProxy(Note):
        class Meta:
            app_label = "testapp"
            proxy = True

    authors = AuthorProxy.objects.bulk_create([AuthorProxy(name="Proxied"), Author(name="Plain")])
    ids = [author.pk for author in authors]
    assert all(type(pk) is int for pk in ids) and ids == [ids[0], ids[0] + 1]
    assert counter("testapp_author")["auto"]["seq"] == ids[1]
    assert sorted(AuthorProxy.objects.values_list("name", flat=True)) == ["Plain", "Proxied"]
    # An ObjectId key through a proxy is still left to the driver.
    (note,) = NoteProxy.objects.bulk_create([NoteProxy(text="proxied")])
    assert isinstance(note.pk, ObjectId)
    assert NoteProxy.objects.get(pk=note.pk).text == "proxied"


def test_saving_an_existing_object_updates_it_in_place():
    author = Author.objects.create(name="Ann")
    author.name = "Anne"
    author.save()
    assert raw("testapp_author").count_documents({}) == 1
    assert Author.objects.get(pk=author.pk).name == "Anne"


def test_objectid_auto_field_gives_objectid_keys():
    note = Note.objects.create(text="hello")
    assert isinstance(note.pk, ObjectId)
    assert Note.objects.get(pk=str(note.pk)).text == "hello"
    assert raw("testapp_note").find_one({"_id": note.pk})["text"] == "hello"
    assert "auto" not in (counter("testapp_note") or {})  # no integer counter for it


def test_bulk_create_gives_objectid_keys_to_objects_without_one():
    notes = Note.objects.bulk_create([Note(text=f"n{n}") for n in range(3)])
    assert all(isinstance(note.pk, ObjectId) for note in notes)
    assert len({note.pk for note in notes}) == 3
    stored = {document["_id"]: document["text"] for document in raw("testapp_note").find()}
    assert stored == {note.pk: note.text for note in notes}


def test_objectid_field_rejects_invalid_values_with_a_clear_error():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="24 hexadecimal digits"):
        Note._meta.pk.to_python("not-an-id")


def test_a_djongo_1_document_read_through_an_integer_key_names_adoptdb():
    # djongo 1.x kept the AutoField under "id" beside the ObjectId MongoDB gave the document.
    connection.mongo_database["testapp_author"].insert_one({"_id": ObjectId(), "id": 1,
                                                            "name": "Ann"})
    with pytest.raises(DataError, match=r"testapp_author.*ObjectId.*manage.py adoptdb` moves "
                                        r"it into _id"):
        list(Author.objects.all())
