"""Database-level on_delete (Django 6.1's DB_CASCADE, DB_SET_NULL, DB_SET_DEFAULT), applied by
the delete compiler since MongoDB has no foreign keys (djongo_core/db_on_delete.py)."""

import uuid

import pytest
from django.db import DatabaseError, connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_core import db_on_delete
from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = [
    pytest.mark.skipif(not hasattr(models, "DB_CASCADE"),
                       reason="database-level on_delete exists from Django 6.1 on"),
    pytest.mark.usefixtures("db"),
]


@pytest.fixture(scope="module")
def app():
    """Models referring to each other through every database-level on_delete."""
    with isolate_apps("tests.testapp"):
        class Shelf(models.Model):
            code = models.CharField(max_length=10, unique=True)

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_shelf"

        class Box(models.Model):
            shelf = models.ForeignKey(Shelf, models.DB_CASCADE, related_name="boxes")

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_box"

        class Jar(models.Model):
            box = models.ForeignKey(Box, models.DB_CASCADE, related_name="jars")

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_jar"

        class Label(models.Model):
            shelf = models.ForeignKey(Shelf, models.DB_SET_NULL, null=True)

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_label"

        class Sticker(models.Model):
            shelf = models.ForeignKey(Shelf, models.DB_SET_DEFAULT, db_default=1,
                                      db_constraint=False)

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_sticker"

        class Tag(models.Model):
            shelf = models.ForeignKey(Shelf, models.DB_CASCADE, to_field="code")

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_tag"

        class Node(models.Model):
            parent = models.ForeignKey("self", models.DB_CASCADE, null=True)

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_node"

        class Drawer(models.Model):
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_drawer"

        class Sock(models.Model):
            drawer = models.ForeignKey(Drawer, models.DB_CASCADE)

            class Meta:
                app_label = "testapp"
                db_table = "ondelete_sock"

        created = [Shelf, Box, Jar, Label, Sticker, Tag, Node, Drawer, Sock]
        with connection.schema_editor() as editor:
            for model in created:
                editor.create_model(model)
        yield {model.__name__: model for model in created}
        database = connection.mongo_database
        for model in created:
            database.drop_collection(model._meta.db_table)
            database[SCHEMA_COLLECTION].delete_many({"name": model._meta.db_table})


@pytest.fixture(autouse=True)
def emptied(app):
    yield
    for model in app.values():
        connection.mongo_database[model._meta.db_table].delete_many({})


def test_db_cascade_deletes_the_referencing_documents_through_every_level(app):
    shelf, other = app["Shelf"].objects.create(code="a"), app["Shelf"].objects.create(code="b")
    box = app["Box"].objects.create(shelf=shelf)
    kept_box = app["Box"].objects.create(shelf=other)
    app["Jar"].objects.create(box=box)
    kept_jar = app["Jar"].objects.create(box=kept_box)
    # As on SQL, the count is what Django deleted; the database's cascade is not in it.
    assert shelf.delete() == (1, {"testapp.Shelf": 1})
    assert list(app["Box"].objects.all()) == [kept_box]
    assert list(app["Jar"].objects.all()) == [kept_jar]


def test_a_queryset_delete_cascades_too(app):
    shelves = [app["Shelf"].objects.create(code=code) for code in "abc"]
    for shelf in shelves:
        app["Box"].objects.create(shelf=shelf)
    deleted, _ = app["Shelf"].objects.filter(code__in=["a", "b"]).delete()
    assert deleted == 2
    assert [box.shelf_id for box in app["Box"].objects.all()] == [shelves[2].pk]


def test_a_delete_filtered_across_a_relation_cascades_too(app):
    shelf, other = app["Shelf"].objects.create(code="a"), app["Shelf"].objects.create(code="b")
    box = app["Box"].objects.create(shelf=shelf)
    app["Box"].objects.create(shelf=other)
    app["Jar"].objects.create(box=box)
    app["Box"].objects.filter(shelf__code="a").delete()
    assert not app["Jar"].objects.exists()
    assert app["Box"].objects.count() == 1


def test_db_set_null_empties_the_reference(app):
    shelf, other = app["Shelf"].objects.create(code="a"), app["Shelf"].objects.create(code="b")
    label = app["Label"].objects.create(shelf=shelf)
    kept = app["Label"].objects.create(shelf=other)
    shelf.delete()
    assert app["Label"].objects.get(pk=label.pk).shelf_id is None
    assert app["Label"].objects.get(pk=kept.pk).shelf_id == other.pk


def test_db_set_default_puts_the_fields_db_default(app):
    default = app["Shelf"].objects.create(pk=1, code="default")
    shelf = app["Shelf"].objects.create(pk=2, code="a")
    sticker = app["Sticker"].objects.create(shelf=shelf)
    shelf.delete()
    assert app["Sticker"].objects.get(pk=sticker.pk).shelf == default


def test_a_relation_to_another_field_than_the_key_is_followed_by_that_field(app):
    shelf, other = app["Shelf"].objects.create(code="a"), app["Shelf"].objects.create(code="b")
    app["Tag"].objects.create(shelf=shelf)
    kept = app["Tag"].objects.create(shelf=other)
    shelf.delete()
    assert list(app["Tag"].objects.all()) == [kept]


def test_a_key_stored_as_another_type_than_django_reads_it_is_followed(app):
    drawer, other = app["Drawer"].objects.create(), app["Drawer"].objects.create()
    app["Sock"].objects.create(drawer=drawer)
    kept = app["Sock"].objects.create(drawer=other)
    assert drawer.delete()[0] == 1
    assert list(app["Sock"].objects.all()) == [kept]
    assert list(app["Drawer"].objects.all()) == [other]


def test_a_tree_referring_to_itself_goes_whole(app):
    root = app["Node"].objects.create()
    child = app["Node"].objects.create(parent=root)
    app["Node"].objects.create(parent=child)
    other_root = app["Node"].objects.create()
    root.delete()
    assert list(app["Node"].objects.all()) == [other_root]


def test_a_cycle_of_references_ends(app):
    first = app["Node"].objects.create()
    second = app["Node"].objects.create(parent=first)
    first.parent = second
    first.save()
    first.delete()
    assert not app["Node"].objects.exists()


def test_the_delete_and_its_cascades_are_logged_as_one_query_listing_each_command(app):
    shelf = app["Shelf"].objects.create(code="a")
    app["Jar"].objects.create(box=app["Box"].objects.create(shelf=shelf))
    app["Label"].objects.create(shelf=shelf)
    with CaptureQueriesContext(connection) as captured:
        shelf.delete()
    assert len(captured) == 1
    logged = captured[0]["sql"]
    for table in ("ondelete_jar", "ondelete_box", "ondelete_shelf"):
        assert f"db.{table}.delete_many(" in logged
    assert "db.ondelete_label.update_many(" in logged


def test_many_documents_are_handled_a_round_at_a_time(app, monkeypatch):
    monkeypatch.setattr(db_on_delete, "ROUND_SIZE", 3)
    shelves = app["Shelf"].objects.bulk_create(
        [app["Shelf"](code=str(n)) for n in range(8)])
    app["Box"].objects.bulk_create([app["Box"](shelf=shelf) for shelf in shelves])
    deleted, _ = app["Shelf"].objects.all().delete()
    assert deleted == 8
    assert not app["Box"].objects.exists()


def test_without_a_transaction_a_failure_midway_keeps_the_deleted_documents_for_a_rerun(
        app, monkeypatch):
    shelf = app["Shelf"].objects.create(code="a")
    app["Box"].objects.create(shelf=shelf)
    label = app["Label"].objects.create(shelf=shelf)
    cascade = db_on_delete._cascade

    def failing_after_the_cascade(*args):
        cascade(*args)
        raise DatabaseError("the server went away")

    monkeypatch.setattr(db_on_delete, "_cascade", failing_after_the_cascade)
    with pytest.raises(DatabaseError):
        shelf.delete()
    # The shelf is still there, so that deleting it again finishes the job.
    assert app["Shelf"].objects.filter(pk=shelf.pk).exists()
    monkeypatch.setattr(db_on_delete, "_cascade", cascade)
    app["Shelf"].objects.filter(pk=shelf.pk).delete()
    assert not app["Shelf"].objects.exists() and not app["Box"].objects.exists()
    assert app["Label"].objects.get(pk=label.pk).shelf_id is None


def test_the_features_say_the_database_applies_them():
    features = connection.features
    assert features.supports_on_delete_db_cascade
    assert features.supports_on_delete_db_null
    assert features.supports_on_delete_db_default
