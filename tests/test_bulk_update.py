"""bulk_update(): one bulk_write of an updateOne by _id per object (compiler/bulk_update.py)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, models
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext

from tests.testapp.models import Author, Book, Note, Rectangle

pytestmark = pytest.mark.usefixtures("db")


def writes(captured, table):
    return [q["sql"] for q in captured if q["sql"].startswith(f"db.{table}.")]


def test_a_batch_is_one_bulk_write_of_updates_by_id():
    ann, bob = Author.objects.create(name="Ann", age=30), Author.objects.create(name="Bob")
    ann.age, bob.age, bob.name = 31, 40, "Bobby"
    with CaptureQueriesContext(connection) as captured:
        assert Author.objects.bulk_update([ann, bob], ["name", "age"]) == 2
    assert writes(captured, "testapp_author") == [
        'db.testapp_author.bulk_write(['
        f'{{"updateOne": {{"filter": {{"_id": {ann.pk}}}, '
        '"update": {"$set": {"name": "Ann", "age": 31}}}}, '
        f'{{"updateOne": {{"filter": {{"_id": {bob.pk}}}, '
        '"update": {"$set": {"name": "Bobby", "age": 40}}}}], {"ordered": true})'
    ]
    assert list(Author.objects.values_list("name", "age")) == [("Ann", 31), ("Bobby", 40)]


def test_batches_follow_batch_size_and_count_the_matched_documents():
    authors = Author.objects.bulk_create([Author(name=f"a{i}", age=i) for i in range(5)])
    for author in authors:
        author.age += 10
    Author.objects.filter(pk=authors[4].pk).delete()
    with CaptureQueriesContext(connection) as captured:
        assert Author.objects.bulk_update(authors, ["age"], batch_size=2) == 4
    assert [sql.split("(", 1)[0] for sql in writes(captured, "testapp_author")] == [
        "db.testapp_author.bulk_write"] * 3
    assert list(Author.objects.values_list("age", flat=True)) == [10, 11, 12, 13]


def test_values_are_stored_as_the_fields_store_them():
    author = Author.objects.create(name="Ann")
    book = Book.objects.create(title="T", author=author, price=Decimal("1.50"))
    book.price, book.published, book.editor = Decimal("2.25"), datetime.date(2024, 5, 1), author
    Book.objects.bulk_update([book], ["price", "published", "editor"])
    document = connection.mongo_database["testapp_book"].find_one({"_id": book.pk})
    assert str(document["price"]) == "2.25"
    assert document["published"] == datetime.datetime(2024, 5, 1)
    assert document["editor_id"] == author.pk
    book.refresh_from_db()
    assert (book.price, book.published, book.editor_id) == (Decimal("2.25"),
                                                            datetime.date(2024, 5, 1), author.pk)


def test_the_first_object_of_a_key_wins_as_in_sql():
    author = Author.objects.create(name="Ann", age=1)
    first, second = Author.objects.get(), Author.objects.get()
    first.age, second.age = 2, 3
    assert Author.objects.bulk_update([first, second], ["age"]) == 1
    assert Author.objects.get().age == 2
    assert author.pk == first.pk


def test_objectid_keys_and_sql_null_of_a_json_field():
    note = Note.objects.create(text="x", data={"a": 1})
    note.data, note.text = None, "y"
    with CaptureQueriesContext(connection) as captured:
        Note.objects.bulk_update([note], ["data", "text"])
    (write,) = writes(captured, "testapp_note")
    assert write == (
        f'db.testapp_note.bulk_write([{{"updateOne": {{"filter": {{"_id": {{"$oid": "{note.pk}"}}}}, '
        '"update": {"$set": {"text": "y"}, "$unset": {"data": ""}}}}], {"ordered": true})')
    assert "data" not in connection.mongo_database["testapp_note"].find_one({"_id": note.pk})


@pytest.mark.skipif(not hasattr(models, "JSONNull"), reason="JSONNull() is Django 6.1's")
def test_json_null_is_stored_as_null_and_found_as_json_null():
    # Django's model_fields.test_jsonfield.JSONNullTests.test_bulk_update.
    first, second = Note.objects.create(text="x", data={"k": 1}), Note.objects.create(text="y")
    first.data, second.data = models.JSONNull(), None
    with CaptureQueriesContext(connection) as captured:
        Note.objects.bulk_update([first, second], ["data"])
    (write,) = writes(captured, "testapp_note")
    assert write == (
        f'db.testapp_note.bulk_write([{{"updateOne": {{"filter": {{"_id": {{"$oid": "{first.pk}"}}}}, '
        '"update": {"$set": {"data": null}}}}, '
        f'{{"updateOne": {{"filter": {{"_id": {{"$oid": "{second.pk}"}}}}, '
        '"update": {"$unset": {"data": ""}}}}], {"ordered": true})')
    assert list(Note.objects.filter(data=models.JSONNull())) == [first]
    assert list(Note.objects.filter(data__isnull=True)) == [second]


def test_a_null_in_a_not_null_field_is_refused_before_anything_is_sent():
    author = Author.objects.create(name="Ann")
    book = Book.objects.create(title="T", author=author)
    book.title = None
    with CaptureQueriesContext(connection) as captured, pytest.raises(IntegrityError,
                                                                      match="title"):
        Book.objects.bulk_update([book], ["title"])
    assert writes(captured, "testapp_book") == []


def test_expressions_keep_the_pipeline_update():
    author = Author.objects.create(name="Ann", age=30)
    author.age = F("age") + 1
    with CaptureQueriesContext(connection) as captured:
        Author.objects.bulk_update([author], ["age"])
    (write,) = writes(captured, "testapp_author")
    assert write.startswith("db.testapp_author.update_many(")
    assert '"$switch"' in write
    assert Author.objects.get().age == 31


def test_a_plain_update_with_a_case_on_other_fields_is_not_taken_for_bulk_update():
    from django.db.models import Case, When

    ann = Author.objects.create(name="Ann", age=1)
    Author.objects.create(name="Bob", age=2)
    with CaptureQueriesContext(connection) as captured:
        Author.objects.filter(pk__in=[ann.pk]).update(
            age=Case(When(name="Ann", then=Value(5)), default=Value(0)))
    (write,) = writes(captured, "testapp_author")
    assert write.startswith("db.testapp_author.update_many(")
    assert list(Author.objects.values_list("age", flat=True)) == [5, 2]


def test_stored_generated_fields_keep_the_pipeline_that_recomputes_them():
    first, second = Rectangle.objects.bulk_create([Rectangle(width=1, height=1),
                                                   Rectangle(width=2, height=2)])
    first.label = "A"
    with CaptureQueriesContext(connection) as captured:
        Rectangle.objects.bulk_update([first, second], ["label"])
    (write,) = writes(captured, "testapp_rectangle")
    assert write.startswith("db.testapp_rectangle.update_many(")
    assert list(Rectangle.objects.order_by("pk").values_list("code", flat=True)) == ["a", None]


def test_an_update_of_none_is_no_bulk_write_and_changes_nothing():
    # none()'s WHERE holds a NothingNode, no lookup: the per-object form must not take it for one.
    Author.objects.create(name="Ann")
    assert Author.objects.none().update(name="Bob") == 0
    assert list(Author.objects.values_list("name", flat=True)) == ["Ann"]
