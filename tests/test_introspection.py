"""Introspection: collections, declared and sampled fields, indexes read back from the server."""

import datetime

import pytest
from bson import Decimal128, Int64, ObjectId
from django.db import DatabaseError, connection, models
from django.test.utils import isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")


def introspect(method, *args):
    with connection.cursor() as cursor:
        return getattr(connection.introspection, method)(cursor, *args)


def types(table):
    return {
        row.name: (connection.introspection.get_field_type(row.type_code, row), row.null_ok)
        for row in introspect("get_table_description", table)
    }


@pytest.fixture
def raw_collection():
    """A collection written with plain pymongo, as on a database Django did not create."""
    database = connection.mongo_database
    yield database["legacy_things"]
    database.drop_collection("legacy_things")
    database[SCHEMA_COLLECTION].delete_many({"name": "legacy_things"})


def test_table_list_leaves_out_the_counters():
    names = connection.introspection.table_names()
    assert "testapp_author" in names and SCHEMA_COLLECTION not in names


def test_declared_fields_in_model_order_with_types_and_nullability():
    assert types("testapp_book") == {
        "id": ("AutoField", False),
        "title": ("CharField", False),
        "author_id": ("IntegerField", False),
        "editor_id": ("IntegerField", True),
        "pages": ("IntegerField", False),
        "price": ("DecimalField", True),
        "published": ("DateField", True),
        "created": ("DateTimeField", False),
        "in_print": ("BooleanField", False),
    }
    description = {row.name: row for row in introspect("get_table_description", "testapp_book")}
    assert description["title"].display_size == 200
    assert (description["price"].precision, description["price"].scale) == (8, 2)


def test_primary_key_reported_under_the_model_field_name():
    assert introspect("get_primary_key_columns", "testapp_author") == ["id"]
    assert introspect("get_sequences", "testapp_author") == [
        {"table": "testapp_author", "column": "id"}]


def test_missing_collection_is_a_database_error():
    with pytest.raises(DatabaseError, match="'no_such_collection' does not exist"):
        introspect("get_table_description", "no_such_collection")


def test_sampled_fields_of_a_collection_django_did_not_create(raw_collection):
    raw_collection.insert_many([
        {"_id": ObjectId(), "name": "a", "count": 1, "big": Int64(5), "ratio": 1.5,
         "price": Decimal128("1.10"), "when": datetime.datetime(2020, 1, 1), "ok": True,
         "address": {"city": "Oslo"}, "tags": ["x"], "mixed": 1},
        {"_id": ObjectId(), "name": "b", "count": 2**40, "mixed": "one"},
    ])
    assert types("legacy_things") == {
        "id": ("djongo_core.fields.ObjectIdAutoField", False),
        "name": ("TextField", False),
        "count": ("BigIntegerField", False),
        "big": ("BigIntegerField", True),
        "ratio": ("FloatField", True),
        "price": ("DecimalField", True),
        "when": ("DateTimeField", True),
        "ok": ("BooleanField", True),
        "address": ("JSONField", True),
        "tags": ("JSONField", True),
        "mixed": ("JSONField", False),
    }
    assert introspect("get_primary_key_columns", "legacy_things") == ["id"]


def test_documents_with_their_own_id_key_keep_underscore_id(raw_collection):
    raw_collection.insert_one({"_id": 1, "id": "external-7"})
    assert types("legacy_things") == {"_id": ("AutoField", False), "id": ("TextField", False)}


def test_get_constraints_reads_indexes_back(raw_collection):
    raw_collection.insert_one({"_id": 1})
    raw_collection.create_index([("a", 1), ("b", -1)], name="a_b", unique=True,
                                partialFilterExpression={"a": {"$type": "string"}})
    raw_collection.create_index([("body", "text")], name="body_text")
    constraints = introspect("get_constraints", "legacy_things")
    assert constraints["_id_"]["primary_key"] and constraints["_id_"]["columns"] == ["id"]
    pair = constraints["a_b"]
    assert (pair["columns"], pair["orders"], pair["unique"], pair["index"]) == (
        ["a", "b"], ["ASC", "DESC"], True, True)
    assert pair["options"]["partialFilterExpression"] == {"a": {"$type": "string"}}
    assert constraints["body_text"]["type"] == "text"


def test_get_constraints_of_a_model_names_django_indexes():
    constraints = introspect("get_constraints", "testapp_book")
    by_columns = {tuple(c["columns"]): (name, c) for name, c in constraints.items()}
    assert by_columns[("id",)][1]["primary_key"]
    name, author_index = by_columns[("author_id",)]
    assert author_index["index"] and not author_index["unique"]
    assert name == connection.schema_editor()._create_index_name("testapp_book", ["author_id"])
    assert constraints and all(not c["foreign_key"] for c in constraints.values())


@isolate_apps("tests.testapp")
def test_schema_changes_keep_the_declared_fields_current():
    class Gadget(models.Model):
        name = models.CharField(max_length=20)

        class Meta:
            app_label = "testapp"

    with connection.schema_editor() as editor:
        editor.create_model(Gadget)
    try:
        weight = models.IntegerField(null=True)
        weight.set_attributes_from_name("weight")
        with connection.schema_editor() as editor:
            editor.add_field(Gadget, weight)
        assert types("testapp_gadget")["weight"] == ("IntegerField", True)
        label = models.CharField(max_length=40)
        label.set_attributes_from_name("label")
        with connection.schema_editor() as editor:
            editor.alter_field(Gadget, Gadget._meta.get_field("name"), label)
            editor.remove_field(Gadget, weight)
        assert types("testapp_gadget") == {
            "id": ("AutoField", False), "label": ("CharField", False)}
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Gadget)


@isolate_apps("tests.testapp")
def test_comments_are_kept_and_read_back():
    class Shelf(models.Model):
        label = models.CharField(max_length=10, db_comment="What the sign says")

        class Meta:
            app_label = "testapp"
            db_table_comment = "Shelves of the shop"

    with connection.schema_editor() as editor:
        editor.create_model(Shelf)
    try:
        description = {row.name: row for row in introspect("get_table_description",
                                                           "testapp_shelf")}
        assert description["label"].comment == "What the sign says"
        tables = {table.name: table for table in introspect("get_table_list")}
        assert tables["testapp_shelf"].comment == "Shelves of the shop"
        with connection.schema_editor() as editor:
            editor.alter_db_table_comment(Shelf, "Shelves of the shop", "")
        tables = {table.name: table for table in introspect("get_table_list")}
        assert tables["testapp_shelf"].comment is None
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Shelf)
