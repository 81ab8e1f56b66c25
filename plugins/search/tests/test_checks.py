"""System checks of search indexes: what migrate could not build, or queries could not use."""

from types import SimpleNamespace

import django
import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from djongo_search import SearchIndex, SearchQuery, VectorSearchIndex
from djongo_search.checks import check_all_model_indexes, check_index
from search_testapp.models import Article, Product


def ids(errors):
    return [error.id for error in errors]


def model_checks(model):
    """The checks that run for a model's search indexes: Django 6.0+ asks each index from
    Model.check(); Django 5.2 never does, so the plugin's models check runs them there."""
    if django.VERSION >= (6, 0):
        return model.check(databases=["default"])
    return check_all_model_indexes(app_configs=[model._meta.app_config], databases=["default"])


def test_the_test_models_pass():
    assert ids(model_checks(Article)) == []
    assert ids(model_checks(Product)) == []


@isolate_apps("search_testapp")
def test_an_index_mongodb_cannot_build_is_an_error():
    class Note(models.Model):
        text = models.TextField()
        data = models.JSONField()

        class Meta:
            app_label = "search_testapp"
            indexes = [SearchIndex(fields=["text", "data"], name="note_search"),
                       VectorSearchIndex(fields=["text"], name="note_vectors")]

    errors = model_checks(Note)
    assert ids(errors) == ["djongo_search.E002", "djongo_search.E002"]
    assert "no mapping for data (JSONField)" in errors[0].msg
    assert "VectorFields only" in errors[1].msg


def test_a_database_without_the_plugin_or_not_mongodb_is_an_error():
    index = Product._meta.indexes[0]
    plain = SimpleNamespace(vendor="mongodb", alias="other", settings_dict={"PLUGINS": []})
    (error,) = check_index(index, Product, plain)
    assert error.id == "djongo_search.E004" and "'search'" in error.hint
    sqlite = SimpleNamespace(vendor="sqlite", alias="other", display_name="SQLite")
    assert ids(check_index(index, Product, sqlite)) == ["djongo_search.E003"]
    assert check_index(index, Product, connection) == []


def test_search_query_options_are_checked_when_written():
    with pytest.raises(ValueError, match="1 or 2"):
        SearchQuery("tea", fuzzy=5)
