"""Collations: a field's db_collation and Collate() as MongoDB collations of queries and indexes."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, NotSupportedError, connection, models
from django.db.models import F, Value
from django.db.models.functions import Collate, Lower
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_core.collations import collation_document
from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")

CI = "und-u-ks-level2"
CI_DOCUMENT = {"locale": "en", "strength": 2}


# -- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, document", [
    ("simple", {"locale": "simple"}),
    ("fr", {"locale": "fr"}),
    ("fr_CA", {"locale": "fr_CA"}),
    ("zh-Hant", {"locale": "zh_Hant"}),
    ("und-u-ks-level2", {"locale": "en", "strength": 2}),
    ("en-u-ks-level1-kn-true", {"locale": "en", "strength": 1, "numericOrdering": True}),
    ("en-u-kn", {"locale": "en", "numericOrdering": True}),
    ("en-u-kf-upper-ka-shifted-kv-space", {"locale": "en", "caseFirst": "upper",
                                           "alternate": "shifted", "maxVariable": "space"}),
    ("de-u-co-phonebk", {"locale": "de@collation=phonebook"}),
    ("zh-u-co-pinyin-ks-identic", {"locale": "zh@collation=pinyin", "strength": 5}),
])
def test_a_name_stands_for_a_mongodb_collation(name, document):
    assert collation_document(name) == document


@pytest.mark.parametrize("name, reason", [
    ("", "does not start with a locale"),
    ("en-u-zz-true", "unknown key 'zz'"),
    ("en-u-ks-level9", "ks-level9 is not one of ks-level1/level2/level3/level4/identic"),
    ("de-u-co", "the 'co' key needs a variant"),
    ("en-u-true", "'true' follows '-u-' where a two-letter key belongs"),
])
def test_a_bad_name_is_refused_with_the_form_to_use(name, reason):
    with pytest.raises(ValueError, match=f"Invalid collation {name!r} for MongoDB: .*{reason}"
                                         ".*'en-u-ks-level2' is English, case-insensitive"):
        collation_document(name)


def test_model_check_refuses_a_bad_db_collation():
    with isolate_apps("tests.testapp"):
        class Misnamed(models.Model):
            name = models.CharField(max_length=20, db_collation="en-u-ks-high")

            class Meta:
                app_label = "testapp"

        errors = Misnamed.check(databases={"default"})
    assert [(e.id, e.obj) for e in errors] == [("djongo_core.E131",
                                                Misnamed._meta.get_field("name"))]
    assert "ks-high is not one of" in errors[0].msg


# -- models -----------------------------------------------------------------------------------

def _create(*models_to_create):
    with connection.schema_editor() as editor:
        for model in models_to_create:
            editor.create_model(model)


def _drop(*models_to_drop):
    for model in models_to_drop:
        connection.mongo_database.drop_collection(model._meta.db_table)
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": model._meta.db_table})


@pytest.fixture
def person_model():
    with isolate_apps("tests.testapp"):
        class Person(models.Model):
            name = models.CharField(max_length=30, db_collation=CI, unique=True)
            nickname = models.CharField(max_length=30, default="")
            city = models.CharField(max_length=30, db_collation="simple", default="")

            class Meta:
                app_label = "testapp"

        _create(Person)
        yield Person
        _drop(Person)


def _index(model, name):
    return connection.mongo_database[model._meta.db_table].index_information()[name]


def test_unique_collated_field_is_unique_under_its_collation(person_model):
    (name,) = [n for n in connection.mongo_database[person_model._meta.db_table]
               .index_information() if n.endswith("_uniq")]
    index = _index(person_model, name)
    assert {k: index["collation"][k] for k in ("locale", "strength")} == CI_DOCUMENT
    person_model.objects.create(name="Andrew")
    with pytest.raises(IntegrityError):
        person_model.objects.create(name="ANDREW")
    assert list(person_model.objects.values_list("name", flat=True)) == ["Andrew"]


def test_comparisons_of_a_collated_field_follow_its_collation(person_model):
    person_model.objects.create(name="andrew", nickname="x")
    person_model.objects.create(name="Bea", nickname="y")
    person_model.objects.create(name="carl", nickname="z")
    assert person_model.objects.get(name="ANDREW").nickname == "x"
    assert list(person_model.objects.filter(name__in=["BEA", "Carl"])
                .values_list("nickname", flat=True).order_by("nickname")) == ["y", "z"]
    assert list(person_model.objects.filter(name__gt="B").order_by("name")
                .values_list("name", flat=True)) == ["Bea", "carl"]
    # Binary order would put "Bea" first (uppercase sorts before lowercase).
    assert list(person_model.objects.order_by("name").values_list("name", flat=True)) == [
        "andrew", "Bea", "carl"]
    assert person_model.objects.filter(name="CARL").update(nickname="w") == 1
    assert person_model.objects.filter(name="BEA").delete()[0] == 1
    assert sorted(person_model.objects.values_list("nickname", flat=True)) == ["w", "x"]


def test_query_runs_under_the_compared_fields_collation(person_model):
    assert str(person_model.objects.filter(name="a").values("id").query) == (
        'db.testapp_person.find({"name": "a"}, {"_id": 1}, '
        '{"collation": {"locale": "en", "strength": 2}})')
    assert str(person_model.objects.order_by("-name").values("id").query) == (
        'db.testapp_person.find({}, {"_id": 1}, {"collation": {"locale": "en", "strength": 2}, '
        '"sort": [["name", -1]]})')
    # Reading a collated field compares nothing: no collation.
    assert str(person_model.objects.filter(nickname="a").values("name").query) == (
        'db.testapp_person.find({"nickname": "a"}, {"name": 1, "_id": 0})')
    with CaptureQueriesContext(connection) as queries:
        person_model.objects.filter(name="a").update(nickname="b")
        person_model.objects.filter(name="a").delete()
    assert [q["sql"] for q in queries][-2:] == [
        'db.testapp_person.update_many({"name": "a"}, {"$set": {"nickname": "b"}}, '
        '{"collation": {"locale": "en", "strength": 2}})',
        'db.testapp_person.delete_many({"name": "a"}, '
        '{"collation": {"locale": "en", "strength": 2}})',
    ]


def test_bulk_upserts_find_the_conflicting_document_under_the_collation(person_model):
    person_model.objects.create(name="Andrew", nickname="old")
    with CaptureQueriesContext(connection) as queries:
        person_model.objects.bulk_create(
            [person_model(name="ANDREW", nickname="new"), person_model(name="Bea")],
            update_conflicts=True, unique_fields=["name"], update_fields=["nickname"])
    (upserts,) = [q["sql"] for q in queries if "bulk_write" in q["sql"]]
    assert '"upsert": true, "collation": {"locale": "en", "strength": 2}' in upserts
    assert sorted(person_model.objects.values_list("name", "nickname")) == [
        ("Andrew", "new"), ("Bea", "")]


def test_collate_chooses_the_collation_and_wins_over_the_fields(person_model):
    person_model.objects.create(name="Andrew", nickname="andrew")
    person_model.objects.create(name="Bea", nickname="BEA")
    assert person_model.objects.filter(nickname=Collate(Value("ANDREW"), CI)).count() == 1
    # The explicit binary collation makes the case-insensitive field compare binary.
    assert person_model.objects.filter(name=Collate(Value("andrew"), "simple")).count() == 0
    assert str(person_model.objects.filter(name=Collate(Value("a"), "simple"))
               .values("id").query) == (
        'db.testapp_person.find({"$expr": {"$and": [{"$eq": ["$name", "a"]}, '
        '{"$ne": [{"$ifNull": ["$name", null]}, null]}]}}, {"_id": 1}, '
        '{"collation": {"locale": "simple"}})')
    assert list(person_model.objects.order_by(Collate("nickname", CI))
                .values_list("nickname", flat=True)) == ["andrew", "BEA"]


def test_fields_of_different_collations_in_one_query_are_refused(person_model):
    query = person_model.objects.filter(name="a", city="b")
    with pytest.raises(NotSupportedError, match=(
            r"different collations: testapp.Person.city \('simple'\); "
            r"testapp.Person.name \('und-u-ks-level2'\). A MongoDB command runs under a single "
            r"collation. Wrap one side in Collate")):
        list(query)
    # Choosing the collation explicitly lets it run.
    assert list(person_model.objects.filter(name="a", city=Collate(Value("b"), CI))) == []
    with pytest.raises(NotSupportedError, match="Use one collation name in every Collate"):
        list(person_model.objects.filter(nickname=Collate(Value("a"), CI),
                                         city=Collate(Value("b"), "simple")))


def test_an_invalid_collate_name_is_refused(person_model):
    with pytest.raises(ValueError, match="Invalid collation 'en-u-xx' for MongoDB"):
        list(person_model.objects.order_by(Collate("name", "en-u-xx")))


@pytest.mark.engine_deviation("collation-locales")
def test_language_collation_orders_by_its_rules(person_model):
    for name in ("O", "Ö", "P"):
        person_model.objects.create(name=name)
    assert list(person_model.objects.order_by(Collate(F("name"), "sv"))
                .values_list("name", flat=True)) == ["O", "P", "Ö"]


# -- schema -----------------------------------------------------------------------------------

@pytest.fixture
def tagged_model():
    with isolate_apps("tests.testapp"):
        class Tagged(models.Model):
            label = models.CharField(max_length=30)
            slug = models.CharField(max_length=30, db_collation=CI)
            rank = models.IntegerField(default=0)

            class Meta:
                app_label = "testapp"
                indexes = [models.Index(fields=["label", "rank"], name="tagged_label_rank")]
                constraints = [models.UniqueConstraint(fields=["slug", "rank"],
                                                       name="tagged_slug_rank")]

        _create(Tagged)
        yield Tagged
        _drop(Tagged)


def _collation_of(model, name):
    collation = _index(model, name).get("collation")
    return collation and {k: collation[k] for k in ("locale", "strength")}


def test_indexes_take_their_fields_collation(tagged_model):
    assert _collation_of(tagged_model, "tagged_label_rank") is None
    assert _collation_of(tagged_model, "tagged_slug_rank") == CI_DOCUMENT
    tagged_model.objects.create(label="a", slug="Red", rank=1)
    with pytest.raises(IntegrityError):
        tagged_model.objects.create(label="b", slug="RED", rank=1)


def test_altering_a_collation_rebuilds_the_indexes_holding_the_field(tagged_model):
    old = tagged_model._meta.get_field("label")
    new = models.CharField(max_length=30, db_collation=CI)
    new.set_attributes_from_name("label")
    new.model = tagged_model
    with connection.schema_editor() as editor:
        editor.alter_field(tagged_model, old, new, strict=True)
    assert _collation_of(tagged_model, "tagged_label_rank") == CI_DOCUMENT
    description = connection.introspection.get_table_description(
        None, tagged_model._meta.db_table)
    assert {c.name: c.collation for c in description}["label"] == CI
    with connection.schema_editor() as editor:
        editor.alter_field(tagged_model, new, old, strict=True)
    assert _collation_of(tagged_model, "tagged_label_rank") is None


def test_an_index_over_fields_of_different_collations_is_refused(tagged_model):
    index = models.Index(fields=["slug", "label"], name="mixed")
    with isolate_apps("tests.testapp"):
        class Mixed(models.Model):
            slug = models.CharField(max_length=30, db_collation=CI)
            label = models.CharField(max_length=30, db_collation="fr")

            class Meta:
                app_label = "testapp"

        with pytest.raises(NotSupportedError, match=(
                r"Index 'mixed' on testapp.Mixed covers fields of different collations: "
                r"slug \('und-u-ks-level2'\), label \('fr'\). A MongoDB index has a single "
                r"collation")):
            with connection.schema_editor() as editor:
                editor.add_index(Mixed, index)


def test_inspectdb_writes_the_collation_back(tagged_model):
    from io import StringIO

    out = StringIO()
    call_command("inspectdb", tagged_model._meta.db_table, stdout=out)
    assert f"slug = models.CharField(max_length=30, db_collation='{CI}')" in out.getvalue()


def test_a_generated_field_compares_under_its_output_fields_collation():
    with isolate_apps("tests.testapp"):
        class Handle(models.Model):
            name = models.CharField(max_length=30)
            lowered = models.GeneratedField(
                expression=Lower("name"), db_persist=True,
                output_field=models.CharField(max_length=30, db_collation=CI))

            class Meta:
                app_label = "testapp"

        _create(Handle)
        try:
            Handle.objects.create(name="Zed")
            assert Handle.objects.filter(lowered="ZED").count() == 1
        finally:
            _drop(Handle)
