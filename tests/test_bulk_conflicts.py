"""bulk_create(ignore_conflicts=True) and bulk_create(update_conflicts=True, ...)."""

import pytest
from django.db import IntegrityError, ProgrammingError, connection, models
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION
from tests.testapp.models import Author, Note, Tag

pytestmark = pytest.mark.usefixtures("db")


def writes(captured, table):
    return [q["sql"] for q in captured if q["sql"].startswith(f"db.{table}.")]


def stored(table):
    return list(connection.mongo_database[table].find({}, sort=[("_id", 1)]))


def make_counter_stale(table):
    connection.mongo_database[SCHEMA_COLLECTION].update_one(
        {"name": table}, {"$set": {"auto.seq": 0}})


@pytest.fixture
def seats():
    """A model with a unique_together pair, a db_column and a nullable unique field."""
    with isolate_apps("tests.testapp"):
        class Seat(models.Model):
            row = models.CharField(max_length=2)
            number = models.IntegerField(db_column="seat_no")
            holder = models.CharField(max_length=20, db_column="held_by")
            badge = models.CharField(max_length=10, unique=True, null=True)
            price = models.IntegerField(default=0)

            class Meta:
                app_label = "testapp"
                unique_together = [("row", "number")]

        with connection.schema_editor() as editor:
            editor.create_model(Seat)
        try:
            yield Seat
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Seat)


# -- ignore_conflicts ------------------------------------------------------------------------

def test_ignore_conflicts_is_an_unordered_insert_that_drops_duplicates():
    Tag.objects.create(label="kept")
    with CaptureQueriesContext(connection) as captured:
        Tag.objects.bulk_create([Tag(label="kept"), Tag(label="new")], ignore_conflicts=True)
    (insert,) = writes(captured, "testapp_tag")
    assert insert.startswith("db.testapp_tag.insert_many([")
    assert insert.endswith('], {"ordered": false})')
    assert sorted(Tag.objects.values_list("label", flat=True)) == ["kept", "new"]


def test_ignore_conflicts_leaves_the_keys_unset_as_django_expects():
    Tag.objects.create(label="kept")
    tags = Tag.objects.bulk_create([Tag(label="kept"), Tag(label="new")], ignore_conflicts=True)
    # Django asks for no keys back: it cannot tell which objects were dropped.
    assert [tag.pk for tag in tags] == [None, None]


def test_ignore_conflicts_still_renumbers_ids_a_stale_counter_drew():
    connection.mongo_database["testapp_tag"].insert_one({"_id": 2, "label": "adopted"})
    make_counter_stale("testapp_tag")
    Tag.objects.bulk_create([Tag(label=f"t{n}") for n in range(3)], ignore_conflicts=True)
    # Id 2 was taken: that object is no conflict of the caller's and gets a fresh id.
    assert {d["_id"]: d["label"] for d in stored("testapp_tag")} == {
        1: "t0", 2: "adopted", 3: "t2", 4: "t1"}


# -- update_conflicts ------------------------------------------------------------------------

def test_update_conflicts_sends_one_upsert_per_object_keyed_by_the_unique_field():
    old = Author.objects.create(name="Old", email="a@example.com", age=40)
    with CaptureQueriesContext(connection) as captured:
        Author.objects.bulk_create(
            [Author(name="New", email="a@example.com", age=1),
             Author(name="Bea", email="b@example.com", age=2)],
            update_conflicts=True, unique_fields=["email"], update_fields=["name"],
        )
    # Both ids are drawn from the counter before the write; the first one stays unused.
    first, second = old.pk + 1, old.pk + 2
    assert writes(captured, "testapp_author")[0] == (
        'db.testapp_author.bulk_write(['
        '{"updateOne": {"filter": {"email": "a@example.com"}, "update": {"$set": {"name": "New"}, '
        f'"$setOnInsert": {{"age": 1, "_id": {first}}}}}, '
        '"upsert": true}}, '
        '{"updateOne": {"filter": {"email": "b@example.com"}, "update": {"$set": {"name": "Bea"}, '
        f'"$setOnInsert": {{"age": 2, "_id": {second}}}}}, '
        '"upsert": true}}], {"ordered": true})'
    )


def test_update_conflicts_changes_only_update_fields_of_the_stored_document():
    old = Author.objects.create(name="Old", email="a@example.com", age=40)
    authors = Author.objects.bulk_create(
        [Author(name="New", email="a@example.com", age=1),
         Author(name="Bea", email="b@example.com", age=2)],
        update_conflicts=True, unique_fields=["email"], update_fields=["name"],
    )
    assert list(Author.objects.values_list("name", "email", "age").order_by("email")) == [
        ("New", "a@example.com", 40), ("Bea", "b@example.com", 2)]
    # Every object gets the key of the document it was written into.
    assert authors[0].pk == old.pk
    assert authors[1].pk == Author.objects.get(email="b@example.com").pk
    assert all(not author._state.adding for author in authors)


def test_update_conflicts_reads_the_updated_keys_back_with_one_find():
    Tag.objects.bulk_create([Tag(label="a"), Tag(label="b")])
    with CaptureQueriesContext(connection) as captured:
        Tag.objects.bulk_create([Tag(label="a"), Tag(label="b"), Tag(label="c")],
                                update_conflicts=True, unique_fields=["label"],
                                update_fields=["label"])
    reads = [q for q in writes(captured, "testapp_tag") if ".find(" in q]
    assert reads == ['db.testapp_tag.find({"$or": [{"label": "a"}, {"label": "b"}]}, '
                     '{"_id": 1, "label": 1})']


def test_update_conflicts_with_pk_as_the_unique_field(seats):
    Seat = seats
    seat = Seat.objects.create(row="A", number=1, holder="Ann", price=10)
    Seat.objects.bulk_create(
        [Seat(pk=seat.pk, row="Z", number=9, holder="Bob", price=20)],
        update_conflicts=True, unique_fields=["pk"], update_fields=["holder"],
    )
    assert list(Seat.objects.values_list("row", "number", "holder", "price")) == [
        ("A", 1, "Bob", 10)]


def test_update_conflicts_on_unique_together_and_db_columns(seats):
    Seat = seats
    Seat.objects.bulk_create([Seat(row="A", number=1, holder="Ann"),
                              Seat(row="A", number=2, holder="Bob")])
    with CaptureQueriesContext(connection) as captured:
        Seat.objects.bulk_create(
            [Seat(row="A", number=2, holder="Cid", price=5), Seat(row="B", number=2, holder="Dee")],
            update_conflicts=True, unique_fields=["number", "row"], update_fields=["holder"],
        )
    assert '{"filter": {"row": "A", "seat_no": 2}, "update": {"$set": {"held_by": "Cid"}' in (
        writes(captured, "testapp_seat")[0])
    assert sorted(Seat.objects.values_list("row", "number", "holder", "price")) == [
        ("A", 1, "Ann", 0), ("A", 2, "Cid", 0), ("B", 2, "Dee", 0)]


def test_a_null_in_a_nullable_unique_field_never_conflicts(seats):
    Seat = seats
    Seat.objects.create(row="A", number=1, holder="Ann", badge=None)
    with CaptureQueriesContext(connection) as captured:
        seats = Seat.objects.bulk_create(
            [Seat(row="A", number=2, holder="Bob", badge=None)],
            update_conflicts=True, unique_fields=["badge"], update_fields=["holder"],
        )
    # The unique index leaves nulls out, so the object is inserted, as SQL does.
    assert '[{"insertOne": {"document": {' in writes(captured, "testapp_seat")[0]
    assert sorted(Seat.objects.values_list("holder", flat=True)) == ["Ann", "Bob"]
    assert seats[0].pk is not None


def test_unique_fields_that_are_no_unique_index_are_refused(seats):
    Seat = seats
    with pytest.raises(ProgrammingError, match=r"testapp\.Seat .*unique_fields \(row\) are not "
                                               r"the fields of one unique index"):
        Seat.objects.bulk_create([Seat(row="A", number=1, holder="Ann")],
                                 update_conflicts=True, unique_fields=["row"],
                                 update_fields=["holder"])
    assert not Seat.objects.exists()


def test_a_conflict_on_another_unique_index_is_an_integrity_error():
    Author.objects.create(name="Ann", email="a@example.com")
    with pytest.raises(IntegrityError, match="testapp_author_email"):
        Author.objects.bulk_create([Author(pk=999, name="Ann", email="a@example.com")],
                                   update_conflicts=True, unique_fields=["pk"],
                                   update_fields=["name"])


def test_update_conflicts_heals_a_stale_counter():
    connection.mongo_database["testapp_tag"].insert_one({"_id": 2, "label": "adopted"})
    make_counter_stale("testapp_tag")
    tags = Tag.objects.bulk_create([Tag(label="t0"), Tag(label="t1"), Tag(label="adopted")],
                                   update_conflicts=True, unique_fields=["label"],
                                   update_fields=["label"])
    # Id 2 was taken: t1 gets the next id past the reserved range; "adopted" keeps its own.
    assert [tag.pk for tag in tags] == [1, 4, 2]
    assert {d["_id"]: d["label"] for d in stored("testapp_tag")} == {
        1: "t0", 2: "adopted", 4: "t1"}


def test_update_conflicts_on_objectid_keys():
    note = Note.objects.create(text="old")
    notes = Note.objects.bulk_create([Note(pk=note.pk, text="new")], update_conflicts=True,
                                     unique_fields=["pk"], update_fields=["text"])
    assert notes[0].pk == note.pk
    assert Note.objects.get().text == "new"


def test_expressions_in_update_fields_are_computed_for_updated_documents():
    old = Author.objects.create(name="old", email="a@example.com", age=3)
    Author.objects.bulk_create(
        [Author(name=Upper(models.Value("new")), email="a@example.com", age=50)],
        update_conflicts=True, unique_fields=["email"], update_fields=["name"],
    )
    assert Author.objects.values_list("pk", "name", "age").get() == (old.pk, "NEW", 3)


def test_objects_without_an_objectid_key_are_inserted_with_a_new_one():
    Note.objects.create(text="old")
    notes = Note.objects.bulk_create([Note(text="new")], update_conflicts=True,
                                     unique_fields=["pk"], update_fields=["text"])
    assert notes[0].pk is not None
    assert sorted(Note.objects.values_list("text", flat=True)) == ["new", "old"]


def test_an_expression_in_unique_fields_is_computed_before_it_keys_the_upsert():
    # The server computes expressions before anything is written, so the value conflicts.
    kept = Tag.objects.create(label="X")
    (tag,) = Tag.objects.bulk_create([Tag(label=Upper(models.Value("x")))],
                                     update_conflicts=True, unique_fields=["label"],
                                     update_fields=["label"])
    assert tag.pk == kept.pk
    assert list(Tag.objects.values_list("label", flat=True)) == ["X"]
