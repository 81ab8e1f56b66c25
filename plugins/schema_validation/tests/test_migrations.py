"""Migrations keep the validator in step with the model, reversibly, visibly in sqlmigrate, and
refuse a stricter validator over documents that break it."""

import pytest
from django.db import IntegrityError, connection, migrations, models
from django.db.migrations.state import ProjectState
from django.test.utils import isolate_apps

from djongo_core.plugins import SCHEMA_COLLECTION
from djongo_schema_validation import SchemaValidation

TABLE = "validation_gadget"
INT32 = {"minimum": -2147483648, "maximum": 2147483647}


@pytest.fixture
def gadget_model(db):
    with isolate_apps("validation_testapp"):
        class Gadget(models.Model):
            name = models.CharField(max_length=50)

            class Meta:
                app_label = "validation_testapp"
                db_table = TABLE

        with connection.schema_editor() as editor:
            editor.create_model(Gadget)
        try:
            yield Gadget
        finally:
            connection.mongo_database.drop_collection(TABLE)
            connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": TABLE})


def field(field_class, name, **options):
    new = field_class(**options)
    new.set_attributes_from_name(name)
    return new


def schema():
    return connection.mongo_database[TABLE].options()["validator"]["$jsonSchema"]


def id_schema():
    return {"bsonType": ["int", "long"], **INT32}


APP = "validation_testapp"


def forwards(operation, state):
    after = state.clone()
    operation.state_forwards(APP, after)
    with connection.schema_editor() as editor:
        operation.database_forwards(APP, editor, state, after)
    return after


def backwards(operation, before, after):
    with connection.schema_editor() as editor:
        operation.database_backwards(APP, editor, after, before)


@pytest.fixture
def migrated(db):
    """The state after CreateModel("Widget"), through Django's own migration operations."""
    create = migrations.CreateModel("Widget", [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=50)),
    ], options={"db_table": TABLE})
    state = forwards(create, ProjectState())
    try:
        yield state
    finally:
        connection.mongo_database.drop_collection(TABLE)
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": TABLE})


def test_add_alter_and_remove_field_each_change_the_validator_and_reverse(migrated):
    created = {"bsonType": "object", "required": ["name"], "properties": {
        "_id": id_schema(), "name": {"bsonType": "string", "maxLength": 50}}}
    assert schema() == created
    connection.mongo_database[TABLE].insert_one({"_id": 1, "name": "lamp"})

    add = migrations.AddField("Widget", "color", models.CharField(max_length=10, default="red"))
    added_state = forwards(add, migrated)
    added = {"bsonType": "object", "required": ["color", "name"], "properties": {
        **created["properties"], "color": {"bsonType": "string", "maxLength": 10}}}
    assert schema() == added

    alter = migrations.AlterField("Widget", "name", models.CharField(max_length=20))
    altered_state = forwards(alter, added_state)
    assert schema()["properties"]["name"] == {"bsonType": "string", "maxLength": 20}
    backwards(alter, added_state, altered_state)
    assert schema() == added

    remove = migrations.RemoveField("Widget", "color")
    removed_state = forwards(remove, added_state)
    assert schema() == created
    assert connection.mongo_database[TABLE].find_one({}, {"_id": 0}) == {"name": "lamp"}
    backwards(remove, added_state, removed_state)
    assert schema() == added
    backwards(add, migrated, added_state)
    assert schema() == created


def test_renaming_a_required_field_moves_it_in_the_validator(migrated):
    connection.mongo_database[TABLE].insert_one({"_id": 1, "name": "lamp"})
    rename = migrations.RenameField("Widget", "name", "title")
    forwards(rename, migrated)  # the $rename bypasses the old validator, which requires name
    assert schema()["required"] == ["title"]
    assert connection.mongo_database[TABLE].find_one({}, {"_id": 0}) == {"title": "lamp"}


def test_sqlmigrate_shows_the_collmod(gadget_model):
    with connection.schema_editor(collect_sql=True) as editor:
        editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                           field(models.CharField, "name", max_length=20))
    collmods = [sql for sql in editor.collected_sql if '"collMod"' in sql]
    assert len(collmods) == 1
    assert collmods[0].startswith('db.command({"collMod": "validation_gadget", "validator": '
                                  '{"$jsonSchema": {"bsonType": "object"')
    assert '"name": {"bsonType": "string", "maxLength": 20}' in collmods[0]
    assert schema()["properties"]["name"]["maxLength"] == 50  # only collected, not run


def test_a_stricter_validator_over_breaking_documents_is_refused_with_the_ways_out(gadget_model):
    gadget_model.objects.create(name="a" * 30)
    gadget_model.objects.create(name="short")
    with pytest.raises(IntegrityError) as refused:
        with connection.schema_editor() as editor:
            editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                               field(models.CharField, "name", max_length=20))
    message = str(refused.value)
    assert message.startswith(
        "validation_testapp.Gadget: 1 document(s) in 'validation_gadget' break the validator "
        "this migration step would apply, first _ids 1 (_id 1: name must be at most 20 "
        "characters, got 30")
    assert "manage.py validatedb validation_testapp.Gadget" in message
    assert 'SchemaValidation(level="moderate")' in message
    assert schema()["properties"]["name"]["maxLength"] == 50  # nothing applied


def test_declaring_moderate_is_the_path_for_documents_that_stay_invalid(gadget_model):
    gadget_model.objects.create(name="a" * 30)
    constraint = SchemaValidation(name="gadget_schema", level="moderate")
    with connection.schema_editor() as editor:
        editor.add_constraint(gadget_model, constraint)
    gadget_model._meta.constraints = [constraint]
    with connection.schema_editor() as editor:
        editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                           field(models.CharField, "name", max_length=20))
    options = connection.mongo_database[TABLE].options()
    assert options["validationLevel"] == "moderate"
    assert options["validator"]["$jsonSchema"]["properties"]["name"]["maxLength"] == 20
    gadget_model._meta.constraints = []
    with connection.schema_editor() as editor:  # RemoveConstraint: back to the database's
        editor.remove_constraint(gadget_model, constraint)
    assert connection.mongo_database[TABLE].options()["validationLevel"] == "strict"


def test_action_warn_lets_an_invalid_insert_through(gadget_model):
    constraint = SchemaValidation(name="gadget_schema", action="warn")
    with connection.schema_editor() as editor:
        editor.add_constraint(gadget_model, constraint)
    assert connection.mongo_database[TABLE].options()["validationAction"] == "warn"
    connection.mongo_database[TABLE].insert_one({"name": 5})
    assert connection.mongo_database[TABLE].count_documents({"name": 5}) == 1


def test_schema_validation_is_tracked_by_migrations():
    constraint = SchemaValidation(name="s", level="moderate", additional_properties=False)
    path, args, kwargs = constraint.deconstruct()
    assert (path, args, kwargs) == ("djongo_schema_validation.SchemaValidation", (), {
        "name": "s", "level": "moderate", "additional_properties": False})
    assert SchemaValidation(**kwargs) == constraint
    assert SchemaValidation(name="s") != constraint
    with pytest.raises(ValueError, match="level must be one of strict, moderate, off"):
        SchemaValidation(name="s", level="lenient")


def test_keys_of_an_index_on_an_expression_pass_a_strict_validator(migrated):
    from django.db.models import UniqueConstraint
    from django.db.models.functions import Lower

    strict = migrations.AddConstraint(
        "Widget", SchemaValidation(name="widget_strict", additional_properties=False))
    strict_state = forwards(strict, migrated)
    unique = migrations.AddConstraint(
        "Widget", UniqueConstraint(Lower("name"), name="widget_name_ci"))
    unique_state = forwards(unique, strict_state)
    key = "__djongo_expr__widget_name_ci__0"
    assert schema()["properties"][key] == {}
    assert schema()["additionalProperties"] is False
    Widget = unique_state.apps.get_model(APP, "Widget")
    Widget.objects.create(name="Lamp")
    with pytest.raises(IntegrityError, match="widget_name_ci"):
        Widget.objects.create(name="LAMP")
    backwards(unique, strict_state, unique_state)
    assert key not in schema()["properties"]
    assert connection.mongo_database[TABLE].find_one({}, {"_id": 0}) == {"name": "Lamp"}
