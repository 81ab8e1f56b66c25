"""Per-model (MODEL_OPTIONS) and per-QuerySet (with_concerns) read/write concerns and read
preferences, as the server receives them (pymongo command monitoring)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from djongo_core import plugin_testing
from djongo_core.concerns import parse_options, with_concerns
from djongo_core.counters import SCHEMA_COLLECTION
from tests.testapp.models import Author, Book, Item

pytestmark = pytest.mark.usefixtures("db")


def wired(model_options):
    """Reconnect with MODEL_OPTIONS set and a listener on the new client."""
    return plugin_testing.wired(connection.alias, MODEL_OPTIONS=model_options)


MAJORITY = {"testapp.Author": {"w": "majority", "wTimeoutMS": 5000}}


def test_a_model_s_writes_and_counter_commands_carry_its_write_concern_others_do_not():
    with wired(MAJORITY) as wire:
        ann = Author.objects.create(name="Ann")
        Author.objects.filter(pk=ann.pk).update(age=40)
        book = Book.objects.create(title="T", author=ann)
        Book.objects.filter(pk=book.pk).update(pages=3)
        Author.objects.filter(pk=ann.pk).delete()  # cascades to Book
    wanted = {"w": "majority", "wtimeout": 5000}
    for name in ("insert", "update", "delete"):
        author_writes = wire.commands(name, "testapp_author")
        assert author_writes and all(c.get("writeConcern") == wanted for c in author_writes)
        book_writes = wire.commands(name, "testapp_book")
        assert book_writes and all("writeConcern" not in c for c in book_writes)
    counters = wire.commands("findAndModify", SCHEMA_COLLECTION)
    by_collection = {c["query"]["name"]: c.get("writeConcern") for c in counters}
    assert by_collection == {"testapp_author": wanted, "testapp_book": None}


def test_a_cascaded_delete_carries_the_options_of_the_model_it_deletes():
    options = {**MAJORITY, "testapp.Book": {"w": 1, "j": True}}
    with wired(options) as wire:
        ann = Author.objects.create(name="Ann")
        Book.objects.create(title="T", author=ann)
        ann.delete()
    assert [c["writeConcern"] for c in wire.commands("delete", "testapp_book")] == [
        {"w": 1, "j": True}]
    assert [c["writeConcern"] for c in wire.commands("delete", "testapp_author")] == [
        {"w": "majority", "wtimeout": 5000}]


def reads(wire, collection):
    return wire.commands("find", collection) + wire.commands("aggregate", collection)


def test_a_model_s_reads_carry_its_read_concern():
    with wired({"testapp.Author": {"readConcernLevel": "majority"}}) as wire:
        Author.objects.create(name="Ann")
        assert [a.name for a in Author.objects.filter(name="Ann")] == ["Ann"]
        assert list(Author.objects.values_list("name", flat=True)) == ["Ann"]
        assert Author.objects.count() == 1
        assert Book.objects.count() == 0
    author_reads = reads(wire, "testapp_author")
    assert len(author_reads) == 3
    assert all(c["readConcern"] == {"level": "majority"} for c in author_reads)
    assert "readConcern" not in wire.commands("aggregate", "testapp_book")[0]


def test_a_secondary_preferred_model_reads_with_that_read_preference():
    options = {"testapp.Author": {"readPreference": "secondaryPreferred",
                                  "maxStalenessSeconds": 120}}
    with wired(options) as wire:
        Author.objects.create(name="Ann")
        assert Author.objects.get().name == "Ann"
        assert Book.objects.count() == 0
        topology = connection.mongo_client.topology_description.topology_type_name
    sent = [c.get("$readPreference") for c in reads(wire, "testapp_author")]
    if topology == "Single":
        # A standalone server (the embedded engine) is read from whatever the preference:
        # pymongo sends it no $readPreference at all.
        assert sent == [None]
    else:
        assert sent == [{"mode": "secondaryPreferred", "maxStalenessSeconds": 120}]
        assert all(c.get("$readPreference", {}).get("mode", "primary") == "primary"
                   for c in reads(wire, "testapp_book"))


def test_the_applied_collection_has_the_model_s_options():
    concerns = parse_options("test", {"readPreference": "secondaryPreferred",
                                      "maxStalenessSeconds": 120, "w": 2, "j": True})
    command = Author.objects.all().query.get_compiler("default").plan().command
    target = concerns.applied_to(command.target(connection.mongo_database), command)
    assert target.read_preference.mongos_mode == "secondaryPreferred"
    assert target.read_preference.max_staleness == 120
    assert target.write_concern.document == {"w": 2, "j": True}


def test_a_queryset_overrides_the_model_s_options_for_its_own_commands():
    options = {**MAJORITY, "testapp.Item": {"w": "majority"}}
    with wired(options) as wire:
        Author.objects.create(name="Ann")
        quick = with_concerns(Author.objects.filter(name="Ann"), w=1, readConcernLevel="local")
        quick.update(age=3)
        assert [a.age for a in quick] == [3]
        Author.objects.filter(name="Ann").update(age=4)
        Item.objects.create(name="x")
        # Django deletes an Item in one command (nothing cascades): the QuerySet's own.
        with_concerns(Item.objects.all(), w=1).delete()
        # Django collects an author's books first, then deletes by id with queries of its
        # own: those carry each model's options (docs/concerns.md).
        quick.delete()
    updates = wire.commands("update", "testapp_author")
    # Keys merge: the QuerySet's w replaces the model's, the model's wtimeout stays.
    assert [u["writeConcern"] for u in updates] == [
        {"w": 1, "wtimeout": 5000}, {"w": "majority", "wtimeout": 5000}]
    assert reads(wire, "testapp_author")[0]["readConcern"] == {"level": "local"}
    assert wire.commands("delete", "testapp_item")[0]["writeConcern"] == {"w": 1}
    assert wire.commands("delete", "testapp_author")[0]["writeConcern"] == {
        "w": "majority", "wtimeout": 5000}


def test_a_mongo_manager_offers_with_concerns_as_a_queryset_method():
    from tests.testapp.models import Idea

    with wired({}) as wire:
        Idea.objects.with_concerns(readConcernLevel="majority").filter(title="x").count()
    assert reads(wire, "testapp_idea")[0]["readConcern"] == {"level": "majority"}


def test_the_queryset_options_stay_on_the_queryset_that_asked():
    base = Author.objects.all()
    asked = with_concerns(base, w=0)
    assert asked.filter(name="x").query.djongo_plugin_options
    assert not getattr(base.query, "djongo_plugin_options", {})


def test_options_survive_the_historical_models_of_migrations():
    from django.db.migrations.state import ProjectState

    historical = ProjectState.from_apps(__import__("django.apps").apps.apps).apps.get_model(
        "testapp", "Author")
    assert historical is not Author
    with wired(MAJORITY) as wire:
        historical.objects.create(name="Old")
    assert wire.commands("insert", "testapp_author")[0]["writeConcern"]["w"] == "majority"


@pytest.mark.parametrize(("options", "message"), [
    ({"x": 1}, r"unknown option 'x'"),
    ({"readPreference": "secondary", "maxStalenessSeconds": 10}, r"maxStalenessSeconds 10"),
    ({"readPreference": "primary", "maxStalenessSeconds": 100}, r"with readPreference 'primary'"),
    ({"maxStalenessSeconds": 100}, r"without readPreference"),
    ({"readPreference": "secondry"}, r"readPreference 'secondry'"),
    ({"readConcernLevel": "strong"}, r"readConcernLevel 'strong'"),
    ({"w": -1}, r"invalid write concern"),
])
def test_wrong_options_are_refused_naming_the_model(options, message):
    with pytest.raises(ImproperlyConfigured, match=r"\['MODEL_OPTIONS'\]\['testapp.Author'\] .*"
                       + message):
        parse_options("DATABASES['default']['MODEL_OPTIONS']['testapp.Author']", options)
    with pytest.raises(ValueError, match=message):
        with_concerns(Author.objects.all(), **options)


def test_a_label_naming_no_model_fails_on_the_first_command():
    with wired({"testapp.Autor": {"w": 1}}):
        with pytest.raises(ImproperlyConfigured, match=r"names 'testapp.autor'.*app_label"):
            Author.objects.count()
