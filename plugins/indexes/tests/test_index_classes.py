"""The index kinds as Django indexes: what they send to MongoDB, and how migrations see them."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.writer import MigrationWriter
from django.db.models import Q

from djongo_core.command import Command
from djongo_indexes import (
    CompoundIndex,
    HashedIndex,
    TextIndex,
    TTLIndex,
    TwoDSphereIndex,
    WildcardIndex,
)
from indexes_testapp.models import Article, Place

TABLE = "indexes_testapp_place"


def create_command(index, model=Place):
    return index.create_sql(model, connection.schema_editor(collect_sql=True))


def test_text_index_sends_text_keys_weights_and_languages():
    index = TextIndex(fields=["title", "body"], weights={"title": 10}, default_language="french",
                      language_override="language", name="t")
    assert create_command(index, Article) == Command(
        "indexes_testapp_article", "create_index", ([("title", "text"), ("body", "text")],),
        {"name": "t", "weights": {"title": 10}, "default_language": "french",
         "language_override": "language"},
    )


def test_two_d_sphere_index_sends_2dsphere_keys():
    assert create_command(TwoDSphereIndex(fields=["location"], name="g")) == Command(
        TABLE, "create_index", ([("location", "2dsphere")],), {"name": "g"})


def test_compound_index_sends_directions_and_its_options():
    index = CompoundIndex(fields=["category", "-rank"], unique=True, hidden=True,
                          collation={"locale": "en", "strength": 2},
                          condition=Q(rank__gt=0), name="c")
    assert create_command(index) == Command(
        TABLE, "create_index", ([("category", 1), ("rank", -1)],),
        {"name": "c", "partialFilterExpression": {"rank": {"$gt": 0}}, "unique": True,
         "collation": {"locale": "en", "strength": 2}, "hidden": True},
    )


def test_compound_index_on_the_primary_key_uses_the_id_key():
    index = CompoundIndex(fields=["category", "id"], sparse=True, name="c")
    assert create_command(index).args == ([("category", 1), ("_id", 1)],)
    assert create_command(index).kwargs == {"name": "c", "sparse": True}


def test_hashed_ttl_and_wildcard_indexes_send_their_keys_and_options():
    assert create_command(HashedIndex(fields=["owner_code"], name="h")) == Command(
        TABLE, "create_index", ([("owner_code", "hashed")],), {"name": "h"})
    assert create_command(TTLIndex(fields=["created"], expire_after=datetime.timedelta(days=1),
                                   name="e")) == Command(
        TABLE, "create_index", ([("created", 1)],), {"name": "e", "expireAfterSeconds": 86400})
    assert create_command(WildcardIndex(fields=["attributes"], name="w")).args == (
        [("attributes.$**", 1)],)
    assert create_command(WildcardIndex(name="w", wildcard_projection={"name": 0})) == Command(
        TABLE, "create_index", ([("$**", 1)],), {"name": "w", "wildcardProjection": {"name": 0}})


def test_remove_sql_drops_the_index_by_name():
    index = HashedIndex(fields=["owner_code"], name="h")
    assert index.remove_sql(Place, connection.schema_editor(collect_sql=True)) == Command(
        TABLE, "drop_index", ("h",))


EVERY_KIND = [
    TextIndex(fields=["name"], weights={"name": 3}, default_language="es",
              language_override="lang", name="t", condition=Q(rank__gte=1)),
    TwoDSphereIndex(fields=["location"], name="g"),
    CompoundIndex(fields=["category", "-rank"], unique=True, collation={"locale": "fr"},
                  hidden=True, name="c"),
    CompoundIndex(fields=["category"], sparse=True, name="s"),
    HashedIndex(fields=["owner_code"], unique=True, name="h"),
    TTLIndex(fields=["created"], expire_after=60, name="e"),
    WildcardIndex(fields=["attributes"], name="w"),
    WildcardIndex(name="a", wildcard_projection={"attributes": 1}),
]


@pytest.mark.parametrize("index", EVERY_KIND, ids=lambda index: index.name)
def test_every_kind_deconstructs_to_an_equal_index_from_the_package_root(index):
    path, args, kwargs = index.deconstruct()
    assert path == f"djongo_indexes.{type(index).__name__}"
    rebuilt = index.clone()
    assert rebuilt == index and rebuilt.deconstruct() == (path, args, kwargs)
    # A migration file can hold it.
    text, imports = MigrationWriter.serialize(index)
    assert "import djongo_indexes" in imports and text.startswith("djongo_indexes.")


def test_an_option_change_makes_a_different_index_for_the_autodetector():
    assert TTLIndex(fields=["created"], expire_after=60, name="e") != TTLIndex(
        fields=["created"], expire_after=61, name="e")
    assert TextIndex(fields=["name"], name="t") != TextIndex(
        fields=["name"], name="t", weights={"name": 2})


def test_unnamed_indexes_get_a_django_name_with_their_kind():
    index = HashedIndex(fields=["owner_code"])
    index.set_name_with_model(Place)
    assert index.name.endswith("_hsh") and len(index.name) <= 30


@pytest.mark.parametrize("make, message", [
    (lambda: TextIndex(fields=["-title"]), "no direction"),
    (lambda: TextIndex(fields=["title"], weights={"body": 2}), "not among its fields"),
    (lambda: TextIndex(fields=["title"], weights={"title": 0}), "1 to 99999"),
    (lambda: TwoDSphereIndex(fields=["-location"]), "no direction"),
    (lambda: CompoundIndex(fields=["a"], collation={"strength": 2}), "'locale'"),
    (lambda: CompoundIndex(fields=["a"], sparse=True, condition=Q(a=1), name="x"), "not both"),
    (lambda: HashedIndex(fields=["a", "b"]), "exactly one field"),
    (lambda: TTLIndex(fields=["a", "b"], expire_after=1), "exactly one"),
    (lambda: TTLIndex(fields=["a"], expire_after=-1), "whole seconds"),
    (lambda: TTLIndex(fields=["a"], expire_after=datetime.timedelta(seconds=1.5)),
     "whole seconds"),
    (lambda: WildcardIndex(), "must be named"),
    (lambda: WildcardIndex(fields=["a"], wildcard_projection={"b": 1}, name="w"),
     "whole-document"),
])
def test_impossible_index_declarations_are_refused_when_written(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_the_plugin_needs_nothing_but_the_core(db):
    import importlib.metadata
    import sys

    assert importlib.metadata.requires("djongo-indexes") == ["djongo-core"]
    assert connection.plugin_host.names == ("indexes",)
    other_plugins = {name.split(".")[0] for name in sys.modules if name.startswith("djongo_")}
    assert other_plugins <= {"djongo_core", "djongo_indexes"}
