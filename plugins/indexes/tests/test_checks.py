"""Misuse of the index kinds is a system check with an id, naming the model and the fix."""

from unittest import mock

import pytest
from django.db import connections, models
from django.test.utils import isolate_apps, override_settings

from djongo_indexes import (
    CompoundIndex,
    HashedIndex,
    TextIndex,
    TTLIndex,
    TwoDSphereIndex,
    WildcardIndex,
)
from djongo_indexes.checks import check_model_indexes

connection = connections["default"]


def model_checks(model):
    """The model's check messages; on Django 5.2 with the index checks, which run there as a
    system check of their own (Django calls no Index.check())."""
    found = model.check(databases=["default"])
    if not hasattr(models.Index, "check"):
        found += check_model_indexes(model, ["default"])
    return found


def check_ids(model):
    return [message.id for message in model_checks(model)]


def messages(model):
    return {message.id: message for message in model_checks(model)}


@isolate_apps("indexes_testapp")
def test_a_second_text_index_on_a_collection_is_an_error():
    class Post(models.Model):
        title = models.CharField(max_length=10)
        body = models.TextField()

        class Meta:
            app_label = "indexes_testapp"
            indexes = [TextIndex(fields=["title"], name="one"),
                       TextIndex(fields=["body"], name="two")]

    error = messages(Post)["djongo_indexes.E001"]
    assert "'two'" in error.msg and "the first is 'one'" in error.msg
    assert "Merge them" in error.hint
    assert check_ids(Post).count("djongo_indexes.E001") == 1


@isolate_apps("indexes_testapp")
def test_a_ttl_index_on_a_field_without_dates_is_an_error():
    class Token(models.Model):
        issued = models.IntegerField()
        expires = models.DateTimeField()

        class Meta:
            app_label = "indexes_testapp"
            indexes = [TTLIndex(fields=["issued"], expire_after=60, name="bad"),
                       TTLIndex(fields=["expires"], expire_after=0, name="good")]

    errors = [m for m in model_checks(Token) if m.id == "djongo_indexes.E002"]
    assert len(errors) == 1
    assert "'bad'" in errors[0].msg and "IntegerField" in errors[0].msg


@isolate_apps("indexes_testapp")
def test_a_hashed_index_marked_unique_is_an_error():
    class Account(models.Model):
        email = models.CharField(max_length=50)

        class Meta:
            app_label = "indexes_testapp"
            indexes = [HashedIndex(fields=["email"], unique=True, name="email_hash")]

    assert "UniqueConstraint" in messages(Account)["djongo_indexes.E003"].hint


@isolate_apps("indexes_testapp")
def test_options_the_server_version_cannot_honour_are_errors():
    class Item(models.Model):
        code = models.CharField(max_length=5)

        class Meta:
            app_label = "indexes_testapp"
            indexes = [CompoundIndex(fields=["code"], hidden=True, name="hidden_code"),
                       WildcardIndex(name="everything")]

    with mock.patch.object(type(connection), "get_database_version", return_value=(4, 0, 28)):
        errors = [m for m in model_checks(Item) if m.id == "djongo_indexes.E004"]
    assert [e.msg for e in errors] == [
        "CompoundIndex 'hidden_code' of indexes_testapp.Item uses CompoundIndex(hidden=True), "
        "which needs MongoDB 4.4 or newer; database 'default' runs 4.0.28.",
        "WildcardIndex 'everything' of indexes_testapp.Item uses WildcardIndex, which needs "
        "MongoDB 4.2 or newer; database 'default' runs 4.0.28.",
    ]
    with mock.patch.object(type(connection), "get_database_version", return_value=(7, 0, 0)):
        assert "djongo_indexes.E004" not in check_ids(Item)


@isolate_apps("indexes_testapp")
def test_an_unknown_text_language_and_a_text_index_on_numbers_are_reported():
    class Page(models.Model):
        body = models.TextField()
        hits = models.IntegerField()

        class Meta:
            app_label = "indexes_testapp"
            indexes = [TextIndex(fields=["body", "hits"], default_language="klingon",
                                 name="page_text")]

    found = messages(Page)
    assert "'klingon'" in found["djongo_indexes.E007"].msg
    assert "'hits', a IntegerField" in found["djongo_indexes.W001"].msg


@isolate_apps("indexes_testapp")
def test_a_2dsphere_index_on_a_field_without_geojson_is_reported():
    class Shop(models.Model):
        address = models.CharField(max_length=50)
        location = models.JSONField()

        class Meta:
            app_label = "indexes_testapp"
            indexes = [TwoDSphereIndex(fields=["address"], name="bad"),
                       TwoDSphereIndex(fields=["location"], name="good")]

    warnings = [m for m in model_checks(Shop) if m.id == "djongo_indexes.W002"]
    assert len(warnings) == 1 and "'bad'" in warnings[0].msg and "CharField" in warnings[0].msg


@isolate_apps("indexes_testapp")
def test_a_database_without_the_plugin_is_an_error():
    class Tag(models.Model):
        name = models.CharField(max_length=5)

        class Meta:
            app_label = "indexes_testapp"
            indexes = [HashedIndex(fields=["name"], name="tag_hash")]

    with mock.patch.dict(connection.settings_dict, {"PLUGINS": []}):
        error = messages(Tag)["djongo_indexes.E006"]
    assert error.hint == "Add \"indexes\" to DATABASES['default']['PLUGINS']."


@isolate_apps("indexes_testapp")
def test_a_database_that_is_not_mongodb_is_an_error():
    class Tag(models.Model):
        name = models.CharField(max_length=5)

        class Meta:
            app_label = "indexes_testapp"
            indexes = [HashedIndex(fields=["name"], name="tag_hash")]

    with mock.patch.object(type(connection), "vendor", "sqlite"):
        assert check_ids(Tag) == ["djongo_indexes.E005"]


def test_the_test_models_pass_every_check():
    from django.core import checks

    # Silenced: djongo_core.W201 says that the database has no transactions plugin, which
    # these tests leave out.
    with override_settings(SILENCED_SYSTEM_CHECKS=["djongo_core.W201"]):
        issues = checks.run_checks(databases=["default"])
        assert [issue for issue in issues if not issue.is_silenced()] == []


@pytest.mark.parametrize("name", ["_hidden", "1st"])
def test_djangos_own_index_name_rules_still_apply(name):
    @isolate_apps("indexes_testapp")
    def declare():
        class Thing(models.Model):
            code = models.CharField(max_length=5)

            class Meta:
                app_label = "indexes_testapp"
                indexes = [HashedIndex(fields=["code"], name=name)]

        return check_ids(Thing)

    assert "models.E033" in declare()
