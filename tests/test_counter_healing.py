"""Counters after imported documents whose _id the counter cannot follow (issue: a float _id,
or one at the field's largest value), and deletes over collections with any kind of _id."""

import pytest
from bson import Int64, ObjectId
from django.db import DataError, connection

from djongo_core.counters import SCHEMA_COLLECTION
from tests.testapp.models import Author, Book, Item

pytestmark = pytest.mark.usefixtures("db")

LARGEST_BIG = 2**63 - 1


def collection():
    return connection.mongo_database[Author._meta.db_table]


def test_an_imported_id_at_the_largest_64_bit_value_does_not_stop_creates():
    # An id the counter hands out next is taken too, so that the first create heals it.
    collection().insert_many([{"_id": 1, "name": "imported"},
                              {"_id": LARGEST_BIG, "name": "imported", "age": 1}])
    created = [Author.objects.create(name=f"new {n}") for n in range(3)]
    assert len({author.pk for author in created}) == 3
    assert all(author.pk < LARGEST_BIG for author in created)
    assert Author.objects.count() == 5


def test_a_float_id_does_not_stop_creates():
    collection().insert_many([{"_id": 1, "name": "imported"}, {"_id": 2.5, "name": "imported"},
                              {"_id": 1e20, "name": "imported"}])
    created = [Author.objects.create(name=f"new {n}") for n in range(3)]
    assert all(type(author.pk) is int for author in created)
    assert len({author.pk for author in created}) == 3


@pytest.mark.parametrize("seq", [LARGEST_BIG, 12.5])
def test_a_counter_already_past_repair_is_put_back_under_the_stored_ids(seq):
    collection().insert_many([{"_id": 1, "name": "imported"}, {"_id": 7, "name": "imported"}])
    connection.mongo_database[SCHEMA_COLLECTION].update_one(
        {"name": Author._meta.db_table}, {"$set": {"auto.seq": seq}}, upsert=True)
    author = Author.objects.create(name="new")
    assert author.pk == 8


def test_ids_exhausted_up_to_the_largest_value_are_refused_naming_the_fix():
    collection().insert_one({"_id": 1, "name": "imported"})
    largest = connection.ops.integer_field_range("AutoField")[1]
    collection().insert_one({"_id": largest, "name": "imported"})
    connection.mongo_database[SCHEMA_COLLECTION].update_one(
        {"name": Author._meta.db_table}, {"$set": {"auto.seq": largest}}, upsert=True)
    with pytest.raises(DataError, match=r"testapp\.Author.*BigAutoField"):
        Author.objects.create(name="new")


def test_fast_delete_works_over_ids_of_every_type():
    items = connection.mongo_database[Item._meta.db_table]
    items.insert_many([{"_id": "text", "name": "a"}, {"_id": 2.5, "name": "b"}])
    Item.objects.create(name="c")
    deleted, _ = Item.objects.all().delete()
    assert deleted == 3
    assert items.count_documents({}) == 0


@pytest.mark.parametrize("imported_id", ["text", ObjectId("0123456789abcdef01234567"), 2.5])
def test_a_cascading_delete_over_an_id_the_auto_field_cannot_hold_is_refused_naming_the_fix(
        imported_id):
    # Author has cascading relations (Book), so Django reads the authors and looks their books
    # up by key: "text" used to crash in Django's field preparation, 2.5 was taken for 2.
    collection().insert_many([{"_id": 2, "name": "kept"}, {"_id": imported_id, "name": "odd"}])
    kept_book = Book.objects.create(title="of 2", author_id=2)
    with pytest.raises(DataError) as refused:
        Author.objects.filter(name="odd").delete()
    message = str(refused.value)
    assert "testapp.Author" in message and "'testapp_author'" in message
    assert repr(imported_id) in message and "integer _ids" in message
    assert collection().count_documents({}) == 2
    assert Book.objects.filter(pk=kept_book.pk).exists()


def test_a_float_id_holding_a_whole_number_is_read_as_the_integer():
    collection().insert_one({"_id": 3.0, "name": "imported"})
    author = Author.objects.get(name="imported")
    assert type(author.pk) is int and author.pk == 3
    Book.objects.create(title="of 3", author=author)
    Author.objects.all().delete()
    assert collection().count_documents({}) == 0
    assert not Book.objects.exists()




@pytest.mark.parametrize("stored", [Int64(5), Int64(2**31 - 1)])
def test_a_64_bit_integer_id_is_read_as_the_integer_it_is(stored):
    # bson reads every stored int64 (another tool's NumberLong(5), any _id past 32 bits) as Int64.
    collection().insert_one({"_id": stored, "name": "imported"})
    author = Author.objects.get(name="imported")
    assert type(author.pk) is int and author.pk == stored
    Book.objects.create(title="by the imported author", author=author)
    author.name = "renamed"
    author.save()
    assert collection().find_one({"_id": stored})["name"] == "renamed"
    Author.objects.all().delete()
    assert collection().count_documents({}) == 0
    assert not Book.objects.exists()


def test_a_big_auto_field_reads_ids_up_to_its_largest_value():
    connection.mongo_database[Item._meta.db_table].insert_one({"_id": LARGEST_BIG, "name": "x"})
    item = Item.objects.get(pk=LARGEST_BIG)
    assert type(item.pk) is int and item.pk == LARGEST_BIG


def test_an_id_beyond_the_auto_fields_range_is_refused_naming_the_fix():
    collection().insert_one({"_id": LARGEST_BIG, "name": "imported"})
    with pytest.raises(DataError, match="BigAutoField"):
        Author.objects.get(name="imported")
