"""Flexible-schema mode (FLEXIBLE_SCHEMA): documents stored before a field was added read with
the field's default, values of another type convert or fail naming the field, unknown keys stay."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import bson
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DataError, IntegrityError, connection, connections

from djongo_core.flexible import FlexibleSchema
from tests.testapp.models import Author, Book, Idea

pytestmark = pytest.mark.usefixtures("db")


@contextmanager
def flexible(setting):
    settings = connection.settings_dict
    saved = settings.get("FLEXIBLE_SCHEMA")
    settings["FLEXIBLE_SCHEMA"] = setting
    vars(connections[connection.alias]).pop("flexible_schema", None)
    try:
        yield
    finally:
        settings["FLEXIBLE_SCHEMA"] = saved
        vars(connections[connection.alias]).pop("flexible_schema", None)


def store(**document):
    """Store a document as an older version of the model left it (no migration ran since)."""
    collection = connection.mongo_database[Idea._meta.db_table]
    collection.insert_one(document)
    return collection


def test_strict_mode_reads_a_missing_key_as_none_and_cannot_save_it():
    store(_id=1, title="old")
    idea = Idea.objects.get(pk=1)
    assert idea.votes is None and idea.status is None
    with pytest.raises(IntegrityError):
        idea.save()


@pytest.mark.parametrize("setting", [True, ["testapp"], ["testapp.Idea"], ["TESTAPP.idea"]])
def test_a_missing_key_reads_as_the_field_s_default_and_saves(setting):
    collection = store(_id=1, title="old", legacy_note="kept")
    before = datetime.now(UTC) - timedelta(seconds=5)
    with flexible(setting):
        idea = Idea.objects.get(pk=1)
        assert (idea.votes, idea.status, idea.tags, idea.rank, idea.score) == (
            0, "draft", [], 5, None)
        assert idea.noted >= before  # db_default=Now()
        assert list(Idea.objects.values_list("title", "votes", "status")) == [
            ("old", 0, "draft")]
        idea.votes += 1
        idea.save()
    stored = collection.find_one({"_id": 1})
    # The save wrote the model's fields and left the key no field names.
    assert stored["votes"] == 1 and stored["status"] == "draft" and stored["rank"] == 5
    assert stored["legacy_note"] == "kept"


def test_a_value_of_another_type_converts_where_the_field_can():
    store(_id=1, title=12, votes="42", status="x", score="2.5", noted="2024-05-01T10:00:00")
    with flexible(True):
        idea = Idea.objects.get(pk=1)
    assert (idea.title, idea.votes, idea.score) == ("12", 42, 2.5)
    assert idea.noted == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_a_value_that_cannot_convert_fails_naming_model_field_and_collection():
    store(_id=1, title="t", votes="many")
    with flexible(True):
        with pytest.raises(DataError, match=r"testapp.Idea.votes cannot read the value 'many' "
                           r"stored in collection 'testapp_idea' as a IntegerField.*schemadrift"):
            Idea.objects.get(pk=1)


def test_other_models_keep_the_strict_reading():
    store(_id=1, title="t")
    ann = Author.objects.create(name="Ann")
    connection.mongo_database["testapp_book"].insert_one(
        {"_id": 1, "title": "b", "author_id": ann.pk})
    with flexible(["testapp.Idea"]):
        assert Idea.objects.get().votes == 0
        assert Book.objects.get().pages is None


def test_a_joined_row_without_a_match_reads_nulls_not_defaults():
    ann = Author.objects.create(name="Ann")
    connection.mongo_database["testapp_book"].insert_one(
        {"_id": 1, "title": "b", "author_id": ann.pk})
    with flexible(True):
        book = Book.objects.select_related("editor").get()
        assert book.pages == 0 and book.editor is None


@pytest.mark.parametrize("setting", ["yes", [1], {"testapp": True}])
def test_a_wrong_setting_is_improperly_configured(setting):
    with pytest.raises(ImproperlyConfigured, match=r"\['FLEXIBLE_SCHEMA'\] must be True, False"):
        FlexibleSchema("default", setting)


def test_a_label_naming_nothing_fails_on_first_use():
    with flexible(["testapp.Iddea"]):
        with pytest.raises(ImproperlyConfigured, match=r"names 'testapp.iddea', which is neither"):
            list(Idea.objects.all())


# -- manage.py schemadrift ----------------------------------------------------------------------


def drift_report(*args):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("schemadrift", "testapp", *args, stdout=out)
    return out.getvalue()


def test_schemadrift_counts_missing_fields_wrong_types_and_unknown_keys_by_collection():
    import json

    Idea.objects.create(title="new")
    store(_id=100, title="old", legacy_note="x")
    store(_id=101, title="older", votes="many", legacy_note="y", other=1)
    store(_id=102, title=None, votes=3, rank=2**40, noted=datetime(2024, 1, 1), status="s",
          tags=["a"])
    report = {entry["collection"]: entry for entry in json.loads(drift_report("--json"))}
    idea = report["testapp_idea"]
    assert idea["model"] == "testapp.Idea" and idea["documents"] == 4
    assert idea["missing"] == {"votes": 1, "status": 2, "tags": 2, "rank": 2, "noted": 2,
                               "score": 3}
    # A long in an IntegerField reads without loss; a string or a null there does not.
    assert idea["wrong_types"] == {"votes": {"string": 1}, "title": {"null": 1}}
    assert idea["expected_types"] == {"votes": ["int", "long"], "title": ["string"]}
    assert idea["unknown_keys"] == {"legacy_note": 2, "other": 1}
    assert report["testapp_author"]["documents"] == 0


def test_schemadrift_writes_a_readable_report_and_check_fails_on_drift():
    Author.objects.create(name="Ann")
    store(_id=100, title="old")
    text = drift_report()
    assert "testapp.Idea (collection 'testapp_idea', 1 document)" in text
    assert "  missing field  votes: in 1" in text
    assert "testapp.Author (collection 'testapp_author', 1 document): no drift" in text
    with pytest.raises(SystemExit) as exited:
        drift_report("--check")
    assert exited.value.code == 1


def test_a_djongo_1_key_in_flexible_mode_names_adoptdb():
    store(_id=bson.ObjectId(), id=1, title="djongo 1.x")
    with flexible(True):
        with pytest.raises(DataError) as raised:
            Idea.objects.get()
    message = str(raised.value)
    assert "testapp.Idea.id cannot read the value ObjectId(" in message
    assert ".. " not in message
    assert "`manage.py adoptdb` moves it into _id" in message
