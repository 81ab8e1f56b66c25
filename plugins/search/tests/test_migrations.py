"""Search indexes migrate forward and back, are read back from the server, and shown by
sqlmigrate; migrate waits until MongoDB has built them."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import OperationalError, connection

from djongo_search import list_search_indexes, wait_for_search_indexes
from djongo_search.waiting import timeout, wait_for
from search_testapp.models import Article, Product


def listed(model):
    return {index["name"]: index for index in list_search_indexes(model)}


def test_migrations_match_the_models():
    # makemigrations --check fails when an index deconstructs to something else than the
    # migrations hold (after 0002's AlterSearchIndex, the model's definition).
    call_command("makemigrations", "search_testapp", check=True, dry_run=True, verbosity=0)


def test_migrate_creates_queryable_indexes_read_back_as_declared(db):
    indexes = listed(Article)
    assert set(indexes) == {"article_search", "article_vectors"}
    assert all(index["queryable"] and index["status"] == "READY" for index in indexes.values())
    assert indexes["article_vectors"]["type"] == "vectorSearch"
    assert indexes["article_vectors"]["latestDefinition"] == {"fields": [
        {"type": "vector", "path": "embedding", "numDimensions": 3, "similarity": "cosine"},
        {"type": "filter", "path": "topic"}, {"type": "filter", "path": "year"}]}
    assert listed(Product)["product_search"]["latestDefinition"] == {"mappings": {
        "dynamic": False, "fields": {
            "name": [{"type": "string"}, {"type": "autocomplete", "minGrams": 2,
                                          "maxGrams": 15, "foldDiacritics": True}],
            "description": {"type": "string"}, "category": {"type": "string"}}}}


def test_migrate_backward_and_forward(db):
    # 0002 gave article_search the topic field (updateSearchIndex); back to 0001 it loses it.
    call_command("migrate", "search_testapp", "0001", verbosity=0)
    fields = listed(Article)["article_search"]["latestDefinition"]["mappings"]["fields"]
    assert set(fields) == {"title", "body"}
    call_command("migrate", "search_testapp", verbosity=0)
    fields = listed(Article)["article_search"]["latestDefinition"]["mappings"]["fields"]
    assert set(fields) == {"title", "body", "topic"}

    call_command("migrate", "search_testapp", "zero", verbosity=0)
    assert Article._meta.db_table not in connection.mongo_database.list_collection_names()
    call_command("migrate", "search_testapp", verbosity=0)
    assert set(listed(Article)) == {"article_search", "article_vectors"}
    assert set(listed(Product)) == {"product_search"}


def test_remove_and_add_index_drop_and_recreate_it(db):
    index = next(i for i in Product._meta.indexes if i.name == "product_search")
    with connection.schema_editor() as editor:
        editor.remove_index(Product, index)
    assert listed(Product) == {}
    with connection.schema_editor() as editor:
        editor.add_index(Product, index)
    assert listed(Product)["product_search"]["queryable"]


def test_sqlmigrate_shows_the_search_index_commands():
    out = io.StringIO()
    call_command("sqlmigrate", "search_testapp", "0001", stdout=out)
    shown = out.getvalue()
    assert ('db.command({"createSearchIndexes": "search_testapp_article", "indexes": [{"name": '
            '"article_vectors", "type": "vectorSearch", "definition": {"fields": [{"type": '
            '"vector", "path": "embedding", "numDimensions": 3, "similarity": "cosine"}') in shown
    out = io.StringIO()
    call_command("sqlmigrate", "search_testapp", "0002", stdout=out)
    assert ('db.command({"updateSearchIndex": "search_testapp_article", "name": '
            '"article_search", "definition": {"mappings": {"dynamic": false, "fields": '
            '{"title": {"type": "string"}, "body": {"type": "string"}, "topic": {"type": '
            '"string"}}}}})') in out.getvalue()
    out = io.StringIO()
    call_command("sqlmigrate", "search_testapp", "0002", backwards=True, stdout=out)
    assert '"updateSearchIndex"' in out.getvalue() and '"topic"' not in out.getvalue()


def test_waiting_for_an_index_that_never_becomes_queryable_times_out(db):
    with pytest.raises(OperationalError) as waited:
        wait_for(connection, Article._meta.db_table, ["never_built"], dropped=False,
                 seconds=0.6)
    message = str(waited.value)
    assert "search_testapp_article" in message and "never_built: absent" in message
    assert "index_build_timeout" in message


def test_waiting_for_declared_indexes_returns_once_they_are_queryable(db):
    wait_for_search_indexes(Article, timeout=5)


@pytest.mark.parametrize("setting", [{"index_build_timeout": -1}, {"wait": True}, "60"])
def test_bad_search_settings_are_refused_naming_the_key(setting):
    class Settings:
        alias = "default"
        settings_dict = {"SEARCH": setting}

    with pytest.raises(ImproperlyConfigured, match="SEARCH"):
        timeout(Settings)


def test_index_definitions_refuse_what_mongodb_cannot_index():
    from django.db import NotSupportedError

    from djongo_search import SearchIndex, VectorSearchIndex

    with pytest.raises(NotSupportedError, match="VectorFields only"):
        VectorSearchIndex(fields=["title"], name="v").definition(Article)
    with pytest.raises(NotSupportedError, match="not a field"):
        SearchIndex(fields=["nope"], name="s").definition(Article)
    with pytest.raises(ValueError, match="needs a name"):
        SearchIndex(fields=["title"], name=None)
    with pytest.raises(ValueError, match="not among its fields"):
        SearchIndex(fields=["title"], autocomplete=["body"], name="s")
    with pytest.raises(ValueError, match="similarity"):
        VectorSearchIndex(fields=["embedding"], similarity="manhattan", name="v")


def test_introspection_describes_the_search_indexes(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Article._meta.db_table)
    vectors = constraints["article_vectors"]
    assert (vectors["index"], vectors["type"], vectors["columns"]) == (
        True, "vectorSearch", ["embedding", "topic", "year"])
    assert vectors["options"] == {"status": "READY", "queryable": True}
    assert vectors["unique"] is False and vectors["orders"] == []
    words = constraints["article_search"]
    assert (words["type"], words["columns"]) == ("search", ["title", "body", "topic"])
    assert "_id_" in constraints
