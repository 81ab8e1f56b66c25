"""The schema editor on MongoDB: collections, fields, indexes and counters through migrations."""

import pytest
from django.db import NotSupportedError, connection, models
from django.db.migrations.operations import RunSQL
from django.db.migrations.state import ProjectState
from django.test.utils import isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")


def entry(table):
    return connection.mongo_database[SCHEMA_COLLECTION].find_one({"name": table})


def index_keys(table):
    return {name: info["key"] for name, info in
            connection.mongo_database[table].index_information().items()}


@pytest.fixture
def gadget_model():
    with isolate_apps("tests.testapp"):
        class Gadget(models.Model):
            name = models.CharField(max_length=20, db_index=True)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Gadget)
        yield Gadget
        database = connection.mongo_database
        for name in ("testapp_gadget", "testapp_renamed"):
            database.drop_collection(name)
            database[SCHEMA_COLLECTION].delete_many({"name": name})


def test_rename_collection_keeps_documents_indexes_and_counter(gadget_model):
    gadget_model.objects.create(name="a")
    gadget_model.objects.create(name="b")
    with connection.schema_editor() as editor:
        editor.alter_db_table(gadget_model, "testapp_gadget", "testapp_renamed")
    database = connection.mongo_database
    assert "testapp_gadget" not in database.list_collection_names()
    assert sorted(d["name"] for d in database.testapp_renamed.find()) == ["a", "b"]
    assert [("name", 1)] in index_keys("testapp_renamed").values()
    assert entry("testapp_gadget") is None
    assert entry("testapp_renamed")["auto"]["seq"] == 2
    gadget_model._meta.db_table = "testapp_renamed"
    assert gadget_model.objects.create(name="c").pk == 3


def test_run_sql_is_refused_with_a_way_out(gadget_model):
    operation = RunSQL("UPDATE testapp_gadget SET name = 'x'")
    with pytest.raises(NotSupportedError, match="RunPython"):
        with connection.schema_editor() as editor:
            operation.database_forwards("testapp", editor, ProjectState(), ProjectState())
