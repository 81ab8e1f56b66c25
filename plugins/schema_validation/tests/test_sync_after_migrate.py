"""After migrate, collections made before the plugin was enabled (or under other settings) get the
validator generated now; documents it would refuse keep the old one and are reported."""

import io

import pytest
from django.apps import apps as installed_apps
from django.db import IntegrityError, connection, models
from django.db.models.signals import post_migrate
from django.test.utils import isolate_apps

from djongo_core.plugins import SCHEMA_COLLECTION
from djongo_schema_validation.generator import collection_schema

TABLE = "validation_preexisting"
APP = "validation_testapp"


class StateApps:
    """What post_migrate passes as `apps` (the project state after migrate): the installed
    apps (for the other receivers, contenttypes'), whose models are the one given."""

    def __init__(self, *models):
        self.models = models

    def get_models(self, include_auto_created=False):
        return [model for model in self.models
                if include_auto_created or not model._meta.auto_created]

    def __getattr__(self, name):
        return getattr(installed_apps, name)


@pytest.fixture
def preexisting(db):
    """A model whose collection was made before the plugin gave it a validator."""
    with isolate_apps(APP):
        class Preexisting(models.Model):
            name = models.CharField(max_length=5)

            class Meta:
                app_label = APP
                db_table = TABLE

        connection.mongo_database.create_collection(TABLE)
        try:
            yield Preexisting
        finally:
            connection.mongo_database.drop_collection(TABLE)
            connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": TABLE})


def migrated(model, plan=()):
    """Send post_migrate for the model's app (or a StateApps) as `migrate` does (plan None: as
    `flush` does); return what was written to migrate's stdout."""
    stdout = io.StringIO()
    post_migrate.send(sender=installed_apps.get_app_config(APP),
                      app_config=installed_apps.get_app_config(APP), verbosity=1,
                      interactive=False, using="default",
                      apps=model if isinstance(model, StateApps) else StateApps(model),
                      plan=None if plan is None else list(plan), stdout=stdout)
    return stdout.getvalue()


def options():
    return connection.mongo_database[TABLE].options()


def test_a_collection_made_before_the_plugin_gets_its_validator_after_migrate(preexisting):
    connection.mongo_database[TABLE].insert_one({"_id": 1, "name": "ok"})
    assert "validator" not in options()

    said = migrated(preexisting)

    assert options()["validator"] == {"$jsonSchema": collection_schema(
        connection, preexisting, True)}
    assert options().get("validationLevel", "strict") == "strict"
    assert f"Gave collection {TABLE!r} (validation_testapp.Preexisting)" in said
    with pytest.raises(IntegrityError):
        preexisting.objects.create(name="far too long")
    assert preexisting.objects.count() == 1


def test_a_collection_already_in_step_is_left_alone(preexisting):
    migrated(preexisting)
    assert migrated(preexisting) == ""


def test_documents_the_validator_would_refuse_keep_the_collection_as_it_is(preexisting):
    connection.mongo_database[TABLE].insert_many([{"_id": 1, "name": "far too long"},
                                                   {"_id": 2, "name": "ok"}])

    said = migrated(preexisting)

    assert "validator" not in options()
    assert "validation_testapp.Preexisting: 1 document(s)" in said
    assert "validatedb validation_testapp.Preexisting" in said
    assert 'SchemaValidation(level="moderate")' in said


def test_flush_sends_post_migrate_without_a_plan_and_changes_nothing(preexisting):
    assert migrated(preexisting, plan=None) == ""
    assert "validator" not in options()


def test_many_to_many_collections_get_their_validators_too(db):
    with isolate_apps(APP):
        class Tag(models.Model):
            class Meta:
                app_label = APP
                db_table = "validation_preexisting_tag"

        class Tagged(models.Model):
            tags = models.ManyToManyField(Tag, db_table="validation_preexisting_links")

            class Meta:
                app_label = APP
                db_table = TABLE

        through = Tagged._meta.get_field("tags").remote_field.through
        tables = [TABLE, "validation_preexisting_tag", "validation_preexisting_links"]
        for table in tables:
            connection.mongo_database.create_collection(table)
        try:
            migrated(StateApps(Tag, Tagged, through))
            for table in tables:
                assert "$jsonSchema" in connection.mongo_database[table].options()["validator"]
        finally:
            for table in tables:
                connection.mongo_database.drop_collection(table)
                connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": table})
