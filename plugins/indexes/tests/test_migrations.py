"""Every index kind migrates forward and backward, and introspection reads back what was declared."""

import pytest
from django.core.management import call_command
from django.db import connection

from indexes_testapp.models import Article, Place


def index_names(model):
    return set(connection.mongo_database[model._meta.db_table].index_information())


def declared(model):
    return {index.name: index for index in model._meta.indexes}


def test_migrations_match_the_models():
    # makemigrations --check exits with an error when a model's indexes and its migrations
    # differ: every index kind deconstructs to what the migration files hold.
    call_command("makemigrations", "indexes_testapp", check=True, dry_run=True, verbosity=0)


def test_migrate_backward_drops_and_forward_recreates_every_index(db):
    call_command("migrate", "indexes_testapp", "0001", verbosity=0)
    assert "article_everything" not in index_names(Article)
    assert "article_text" in index_names(Article)

    call_command("migrate", "indexes_testapp", "zero", verbosity=0)
    collections = set(connection.mongo_database.list_collection_names())
    assert {Article._meta.db_table, Place._meta.db_table}.isdisjoint(collections)

    call_command("migrate", "indexes_testapp", verbosity=0)
    assert index_names(Place) == {"_id_", *declared(Place)}
    assert index_names(Article) == {"_id_", *declared(Article)}


def test_the_indexes_work_once_migrated(db):
    from django.db import IntegrityError

    Place.objects.create(name="a", category="Cafe", rank=1, location={
        "type": "Point", "coordinates": [2.35, 48.85]})
    # The unique index compares with its collation (strength 2: case-insensitive)...
    with pytest.raises(IntegrityError):
        Place.objects.create(name="b", category="CAFE", rank=1)
    # ...and holds only documents its condition (rank > 0) selects.
    Place.objects.create(name="c", category="cafe", rank=0)
    Place.objects.create(name="d", category="cafe", rank=0)


def introspected(model):
    return connection.introspection.get_constraints(None, model._meta.db_table)


def read_back_cases():
    cases = []
    for model in (Article, Place):
        for index in model._meta.indexes:
            marks = []
            if getattr(index, "wildcard_projection", None):
                marks = [pytest.mark.engine_deviation("wildcard-projection-not-kept")]
            cases.append(pytest.param(model, index.name, marks=marks, id=index.name))
    return cases


@pytest.mark.parametrize("model, name", read_back_cases())
def test_introspection_reads_back_each_index_with_its_keys_and_options(db, model, name):
    index = declared(model)[name]
    keys = index.keys(model)
    options = index.options(model, connection.schema_editor(collect_sql=True))
    constraint = introspected(model)[name]

    assert constraint["index"] is True
    assert constraint["columns"] == [key for key, _ in keys]
    kinds = {kind for _, kind in keys if isinstance(kind, str)}
    assert constraint["type"] == (kinds.pop() if kinds else "idx")
    assert constraint["unique"] is bool(options.get("unique"))
    read_options = constraint["options"]
    for option, value in options.items():
        if option == "name":
            continue
        if option in ("weights", "collation"):
            # MongoDB fills in the rest: weight 1 for fields left out, collation defaults.
            assert {k: read_options[option][k] for k in value} == value, option
        else:
            assert read_options[option] == value, option


@pytest.mark.engine_deviation("2dsphere-accepts-invalid-geojson")
def test_a_2dsphere_index_refuses_a_location_that_is_not_geojson(db):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError):
        Place.objects.create(name="x", category="y", location={
            "type": "Point", "coordinates": "nowhere"})


def test_a_text_index_as_mongodb_lists_it_reads_back_as_its_fields():
    from bson import SON

    from djongo_core.indexes import declared_keys

    listed = {"name": "t", "key": SON([("category", 1), ("_fts", "text"), ("_ftsx", 1)]),
              "weights": SON([("name", 5), ("description", 1)])}
    assert declared_keys(listed) == [("category", 1), ("name", "text"), ("description", "text")]
    assert declared_keys({"key": [("a", 1), ("b", -1)]}) == [("a", 1), ("b", -1)]


def test_sqlmigrate_shows_the_create_index_forward_and_the_drop_backward(db):
    from io import StringIO

    forward, backward = StringIO(), StringIO()
    call_command("sqlmigrate", "indexes_testapp", "0002", stdout=forward)
    call_command("sqlmigrate", "indexes_testapp", "0002", backwards=True, stdout=backward)
    assert ('db.indexes_testapp_article.create_index([["$**", 1]], {"name": '
            '"article_everything", "wildcardProjection": {"section": 1, "title": 1}});'
            ) in forward.getvalue()
    assert 'db.indexes_testapp_article.drop_index("article_everything");' in backward.getvalue()


def test_renaming_a_text_indexed_field_moves_the_text_index_to_the_new_key(db):
    from django.db import models

    old = Article._meta.get_field("body")
    new = models.TextField()
    new.set_attributes_from_name("content")
    with connection.schema_editor() as editor:
        editor.alter_field(Article, old, new)
    try:
        constraint = introspected(Article)["article_text"]
        assert constraint["columns"] == ["title", "content"]
        assert constraint["options"]["weights"]["content"] == 2
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(Article, new, old)
    assert introspected(Article)["article_text"]["columns"] == ["title", "body"]


def test_removing_a_text_indexed_field_drops_the_text_index(db):
    field = Article._meta.get_field("body")
    with connection.schema_editor() as editor:
        editor.remove_field(Article, field)
    try:
        assert "article_text" not in index_names(Article)
    finally:
        with connection.schema_editor() as editor:
            editor.add_field(Article, field)
            editor.add_index(Article, declared(Article)["article_text"])
    assert "article_text" in index_names(Article)
