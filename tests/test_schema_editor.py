"""The schema editor on MongoDB: collections, fields, indexes and counters through migrations."""

import datetime
import io

import pytest
from django.db import (
    DataError, IntegrityError, NotSupportedError, ProgrammingError, connection, models,
)
from django.core.management.base import OutputWrapper
from django.db.backends.base.features import BaseDatabaseFeatures
from django.db.models.functions import Now
from django.apps import apps as django_apps
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunSQL
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_core import backfill, conversion
from djongo_core.progress import ProgressBar, reporting
from djongo_core.counters import SCHEMA_COLLECTION
from djongo_core.validation import unmigrated_models

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


def test_a_flush_runs_the_editors_own_drop_as_django_test_migrations_builds_it(gadget_model):
    # django-test-migrations drops every table with sql_delete_table and execute_sql_flush().
    gadget_model.objects.create(name="a")
    drop = connection.SchemaEditorClass.sql_delete_table % {
        "table": connection.ops.quote_name("testapp_gadget")}
    connection.ops.execute_sql_flush([drop])
    assert "testapp_gadget" not in connection.mongo_database.list_collection_names()
    with pytest.raises(NotSupportedError, match="does not run SQL"):
        connection.ops.execute_sql_flush(["DROP TABLE testapp_renamed"])


def test_run_sql_is_refused_with_a_way_out(gadget_model):
    operation = RunSQL("UPDATE testapp_gadget SET name = 'x'")
    with pytest.raises(NotSupportedError, match="RunPython"):
        with connection.schema_editor() as editor:
            operation.database_forwards("testapp", editor, ProjectState(), ProjectState())


def field(field_class, name, **options):
    new = field_class(**options)
    new.set_attributes_from_name(name)
    return new


def stored(table):
    return list(connection.mongo_database[table].find(sort=[("_id", 1)]))


def test_added_field_fills_existing_documents_from_db_default(gadget_model):
    gadget_model.objects.create(name="a")
    with connection.schema_editor() as editor:
        editor.add_field(gadget_model, field(models.IntegerField, "size", default=3,
                                             db_default=4))
        editor.add_field(gadget_model, field(models.DateTimeField, "seen",
                                             db_default=Now()))
    document = stored("testapp_gadget")[0]
    assert document["size"] == 4
    assert isinstance(document["seen"], datetime.datetime)


def test_not_null_without_default_is_refused_before_writing(gadget_model):
    gadget_model.objects.create(name="a")
    old = field(models.IntegerField, "rank", null=True)
    with connection.schema_editor() as editor:
        editor.add_field(gadget_model, old)
    with pytest.raises(IntegrityError, match="Gadget.rank cannot become NOT NULL"):
        with connection.schema_editor() as editor:
            editor.alter_field(gadget_model, old, field(models.IntegerField, "rank"))
    with connection.schema_editor() as editor:
        editor.alter_field(gadget_model, old, field(models.IntegerField, "rank", default=7))
    assert stored("testapp_gadget")[0]["rank"] == 7


def test_type_change_converts_stored_values(gadget_model):
    gadget_model.objects.create(name="12")
    gadget_model.objects.create(name="30")
    with connection.schema_editor() as editor:
        editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                           field(models.IntegerField, "name", db_index=True))
    assert [d["name"] for d in stored("testapp_gadget")] == [12, 30]


def test_type_change_that_cannot_convert_changes_nothing(gadget_model):
    gadget_model.objects.create(name="12")
    gadget_model.objects.create(name="twelve")
    with pytest.raises(DataError, match="_id 2 .* holds 'twelve'"):
        with connection.schema_editor() as editor:
            editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                               field(models.IntegerField, "name"))
    assert [d["name"] for d in stored("testapp_gadget")] == ["12", "twelve"]


def test_renamed_key_takes_its_indexes_along(gadget_model):
    with connection.schema_editor() as editor:
        editor.add_index(gadget_model, models.Index(fields=["name", "-id"], name="name_id"))
        editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                           field(models.CharField, "label", max_length=20, db_index=True))
    keys = index_keys("testapp_gadget")
    assert keys["name_id"] == [("label", 1), ("_id", -1)]
    assert [("label", 1)] in keys.values() and [("name", 1)] not in keys.values()


def test_collected_commands_are_mongosh_text(gadget_model):
    with connection.schema_editor(collect_sql=True) as editor:
        editor.add_field(gadget_model, field(models.IntegerField, "size", default=0))
    assert editor.collected_sql[0] == (
        'db.testapp_gadget.update_many({"size": {"$exists": false}}, {"$set": {"size": 0}});')
    # Only collected: nothing was declared or written.
    assert "size" not in entry("testapp_gadget")["fields"]


def test_large_collection_is_filled_in_batches_with_progress(gadget_model, monkeypatch):
    monkeypatch.setattr(backfill, "BATCH_SIZE", 2)
    connection.mongo_database.testapp_gadget.insert_many(
        [{"_id": i, "name": str(i)} for i in range(1, 6)])
    reports = []
    with CaptureQueriesContext(connection) as captured, \
            reporting(connection, lambda *report: reports.append(report)), \
            connection.schema_editor() as editor:
        editor.add_field(gadget_model, field(models.IntegerField, "size", default=1))
    assert [d["size"] for d in stored("testapp_gadget")] == [1] * 5
    label = "Filling testapp_gadget.size"
    assert reports == [(label, 0, 5, "documents"), (label, 2, 5, "documents"),
                       (label, 4, 5, "documents"), (label, 5, 5, "documents"),
                       (label, 5, 5, "documents")]
    fills = [q for q in captured.captured_queries
             if q["sql"].startswith("db.testapp_gadget.update_many")]
    assert len(fills) == 3


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_progress_bar_appears_only_for_work_that_takes_a_while_on_its_own_line():
    out, clock, ended = Terminal(), Clock(), []
    bar = ProgressBar(OutputWrapper(out), clock=clock, before_first=lambda: ended.append(True))
    bar("Filling shop_book.height", 0, 4)
    clock.now = 1.0
    bar("Filling shop_book.height", 1, 4)
    assert out.getvalue() == "" and not ended  # quick work prints nothing
    clock.now = 2.5
    bar("Filling shop_book.height", 2, 4)
    bar("Filling shop_book.height", 4, 4)
    assert ended == [True]
    assert out.getvalue() == (
        "\r    Filling shop_book.height: [###############               ] 2 of 4 documents"
        "\r    Filling shop_book.height: [##############################] 4 of 4 documents\n")


def test_the_progress_bar_is_quiet_when_the_output_is_not_a_terminal():
    out, clock = io.StringIO(), Clock()
    bar = ProgressBar(OutputWrapper(out), clock=clock)
    bar("Filling shop_book.height", 0, 4)
    clock.now = 10
    bar("Filling shop_book.height", 4, 4)
    assert out.getvalue() == ""


def test_migrate_keeps_the_applying_line_whole_when_a_bar_is_drawn():
    from djongo_core.management.commands.migrate import Command

    out = Terminal()
    command = Command(stdout=out)
    command.verbosity = 1
    command.migration_progress_callback("apply_start", "shop.0002_height")
    command._end_open_line()  # what the bar does before its first frame
    out.write("    Filling shop_book.height: [###] 4 of 4 documents\n")
    command.migration_progress_callback("apply_success", "shop.0002_height")
    assert out.getvalue().splitlines() == [
        "  Applying shop.0002_height...",
        "    Filling shop_book.height: [###] 4 of 4 documents",
        "  Applying shop.0002_height... OK",
    ]


def test_primary_key_cannot_move_to_another_field_of_stored_documents(gadget_model):
    gadget_model.objects.create(name="a")
    with pytest.raises(NotSupportedError, match="changes which field is stored as _id"):
        with connection.schema_editor() as editor:
            editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                               field(models.CharField, "name", max_length=20, primary_key=True))
    assert stored("testapp_gadget")[0]["name"] == "a"


def test_the_primary_key_becoming_a_plain_field_is_copied_out_of_id(gadget_model):
    # As when a CompositePrimaryKey takes over (AlterField id -> IntegerField()): the
    # documents keep their _id, which never changes, and gain the field under its own name.
    first = gadget_model.objects.create(name="a")
    second = gadget_model.objects.create(name="b")
    with connection.schema_editor() as editor:
        editor.alter_field(gadget_model, gadget_model._meta.get_field("id"),
                           field(models.IntegerField, "id"))
    assert [(document["_id"], document["id"], document["name"])
            for document in stored("testapp_gadget")] == [(first.pk, first.pk, "a"),
                                                          (second.pk, second.pk, "b")]


def test_conversion_of_a_large_collection_reports_progress(gadget_model, monkeypatch):
    monkeypatch.setattr(conversion, "BATCH_SIZE", 2)
    connection.mongo_database.testapp_gadget.insert_many(
        [{"_id": i, "name": str(i)} for i in range(1, 6)])
    reports = []
    with reporting(connection, lambda *report: reports.append(report)), \
            connection.schema_editor() as editor:
        editor.alter_field(gadget_model, gadget_model._meta.get_field("name"),
                           field(models.IntegerField, "name"))
    assert [d["name"] for d in stored("testapp_gadget")] == [1, 2, 3, 4, 5]
    assert [(label.split()[0], done) for label, done, _, _ in reports] == [
        ("Checking", 0), ("Checking", 2), ("Checking", 4), ("Checking", 5),
        ("Converting", 0), ("Converting", 2), ("Converting", 4), ("Converting", 5)]


NO_PRECISION_OR_20_10 = (
    {} if hasattr(BaseDatabaseFeatures, "supports_no_precision_decimalfield")
    else {"max_digits": 20, "decimal_places": 10})


def test_expression_db_defaults_pass_checks_and_are_computed_by_the_server():
    from decimal import Decimal

    from django.db.models.functions import Pi

    with isolate_apps("tests.testapp"):
        class Stamp(models.Model):
            made = models.DateTimeField(db_default=Now())
            ratio = models.FloatField(db_default=Pi() + 1)
            # Decimal128 needs no declared precision (supports_no_precision_decimalfield), where
            # Django asks (6.1 on).
            amount = models.DecimalField(null=True, **NO_PRECISION_OR_20_10)

            class Meta:
                app_label = "testapp"

        assert Stamp.check(databases={"default"}) == []
        with connection.schema_editor() as editor:
            editor.create_model(Stamp)
        try:
            before = datetime.datetime.now(datetime.UTC)
            stamp = Stamp.objects.create(amount=Decimal("1234567890.0123456789"))
            stamp.refresh_from_db()
            assert before - datetime.timedelta(seconds=5) <= stamp.made
            assert stamp.ratio == pytest.approx(4.14159265)
            assert stamp.amount == Decimal("1234567890.0123456789")
        finally:
            connection.mongo_database.drop_collection("testapp_stamp")
            connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": "testapp_stamp"})


@pytest.fixture
def unique_model():
    """A model with a unique field whose collection nothing has created yet."""
    with isolate_apps("tests.testapp"):
        class Badge(models.Model):
            code = models.CharField(max_length=20, unique=True)

            class Meta:
                app_label = "testapp"

        yield Badge
    connection.mongo_database.drop_collection("testapp_badge")
    connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": "testapp_badge"})


def unique_indexes(table):
    return [info["key"] for name, info in connection.mongo_database[table].index_information().items()
            if info.get("unique") and name != "_id_"]


def left_by_interrupted_migrate(**options):
    """What a migrate killed right after create_collection leaves: the collection (here with
    `options`), no index, and the `__schema__` entry marking it as being created."""
    database = connection.mongo_database
    database[SCHEMA_COLLECTION].update_one({"name": "testapp_badge"},
                                           {"$set": {"creating": True}}, upsert=True)
    database.create_collection("testapp_badge", **options)


def test_creating_a_model_whose_collection_an_interrupted_migrate_left_finishes_it(unique_model):
    left_by_interrupted_migrate()
    with connection.schema_editor() as editor:
        editor.create_model(unique_model)
    assert unique_indexes("testapp_badge") == [[("code", 1)]]
    unique_model.objects.create(code="a")
    with pytest.raises(IntegrityError):
        unique_model.objects.create(code="a")


def test_creating_a_model_over_a_collection_a_finished_migrate_made_is_refused(unique_model):
    # As SQL refuses an existing table: `migrate --fake-initial` relies on it, and a collection
    # a migration made and recorded is not a leftover to take over.
    with connection.schema_editor() as editor:
        editor.create_model(unique_model)
    unique_model.objects.create(code="kept")
    with pytest.raises(ProgrammingError, match="testapp.Badge.*already exists.*--fake-initial"):
        with connection.schema_editor() as editor:
            editor.create_model(unique_model)
    assert list(unique_model.objects.values_list("code", flat=True)) == ["kept"]
    assert unique_indexes("testapp_badge") == [[("code", 1)]]


def test_a_collection_made_outside_migrations_is_refused(unique_model):
    connection.mongo_database.create_collection("testapp_badge")
    with pytest.raises(ProgrammingError, match="testapp.Badge.*already exists"):
        with connection.schema_editor() as editor:
            editor.create_model(unique_model)


def test_a_finished_creation_leaves_no_mark(unique_model):
    with connection.schema_editor() as editor:
        editor.create_model(unique_model)
    assert "creating" not in entry("testapp_badge")


def test_an_interrupted_creation_over_documents_it_can_hold_keeps_them(unique_model):
    left_by_interrupted_migrate()
    connection.mongo_database["testapp_badge"].insert_one({"_id": 1, "code": "kept"})
    with connection.schema_editor() as editor:
        editor.create_model(unique_model)
    assert list(unique_model.objects.values_list("code", flat=True)) == ["kept"]
    assert unique_indexes("testapp_badge") == [[("code", 1)]]


def test_an_empty_collection_with_other_options_is_replaced(unique_model):
    left_by_interrupted_migrate(validator={"x": 1})
    with connection.schema_editor() as editor:
        editor.create_model(unique_model)
    options = connection.mongo_database["testapp_badge"].options()
    assert "validator" not in options
    assert unique_indexes("testapp_badge") == [[("code", 1)]]


def test_a_collection_holding_documents_under_other_options_is_refused_with_the_fix(unique_model):
    left_by_interrupted_migrate(validator={"code": {"$exists": True}})
    connection.mongo_database["testapp_badge"].insert_one({"code": "x"})
    with pytest.raises(ProgrammingError, match="testapp.Badge.*holds documents.*migrate --fake"):
        with connection.schema_editor() as editor:
            editor.create_model(unique_model)
    assert connection.mongo_database["testapp_badge"].count_documents({}) == 1


class Killed(BaseException):
    """Stands for the process dying between two commands of a migration."""


def test_a_model_creation_killed_after_any_command_completes_when_run_again(unique_model,
                                                                           monkeypatch):
    def state():
        database = connection.mongo_database
        return (unique_indexes("testapp_badge"),
                "testapp_badge" in database.list_collection_names(),
                {key: value for key, value in (entry("testapp_badge") or {}).items()
                 if key != "_id"})

    with connection.schema_editor() as editor:
        editor.create_model(unique_model)
    complete = state()
    with CaptureQueriesContext(connection) as captured:
        connection.mongo_database.drop_collection("testapp_badge")
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": "testapp_badge"})
        with connection.schema_editor() as editor:
            editor.create_model(unique_model)
    steps = len(captured)
    real_run = type(connection.executor).run
    for killed_after in range(1, steps):
        connection.mongo_database.drop_collection("testapp_badge")
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": "testapp_badge"})
        calls = []

        def dying_run(executor, command, log=True):
            if len(calls) == killed_after:
                raise Killed
            calls.append(command)
            return real_run(executor, command, log)

        monkeypatch.setattr(type(connection.executor), "run", dying_run)
        with pytest.raises(Killed), connection.schema_editor() as editor:
            editor.create_model(unique_model)
        monkeypatch.setattr(type(connection.executor), "run", real_run)
        with connection.schema_editor() as editor:
            editor.create_model(unique_model)
        assert state() == complete, f"killed after command {killed_after}"


def test_a_model_never_migrated_is_named_by_the_database_check(unique_model):
    assert unmigrated_models(connection, [unique_model]) == [unique_model]
    with connection.schema_editor() as editor:
        editor.create_model(unique_model)
    assert unmigrated_models(connection, [unique_model]) == []


def test_the_database_check_is_quiet_when_every_model_is_migrated(monkeypatch):
    # Only the models the project's migrations create: other tests add models of their own to
    # the registry while the suite runs, which no migration creates.
    migrated = MigrationLoader(connection).project_state().models

    def created_by_migrations(model):
        owner = model._meta.auto_created or model
        return (owner._meta.app_label, owner._meta.model_name) in migrated

    models = [model for model in django_apps.get_models(include_auto_created=True)
              if created_by_migrations(model)]
    monkeypatch.setattr("djongo_core.validation.apps.get_models",
                        lambda include_auto_created: models)
    ids = [issue.id for issue in connection.validation.check()]
    assert "djongo_core.W202" not in ids


def test_the_database_check_names_unmigrated_models_and_the_fix(unique_model, monkeypatch):
    monkeypatch.setattr("djongo_core.validation.apps.get_models",
                        lambda include_auto_created: [unique_model])
    (issue,) = [issue for issue in connection.validation.check() if issue.id == "djongo_core.W202"]
    assert "testapp.Badge" in issue.msg
    assert "migrate" in issue.hint


def test_an_unmanaged_model_reads_its_collection_whether_or_not_it_exists():
    with isolate_apps("tests.testapp"):
        class Outside(models.Model):
            class Meta:
                app_label = "testapp"
                managed = False
                db_table = "testapp_outside"

        assert Outside.objects.count() == 0


def test_removing_an_index_an_interrupted_migrate_removed_already_goes_on(gadget_model):
    index = models.Index(fields=["name"], name="gadget_name_again")
    with connection.schema_editor() as editor:
        editor.add_index(gadget_model, index)
    for _ in range(2):
        with connection.schema_editor() as editor:
            editor.remove_index(gadget_model, index)
    assert "gadget_name_again" not in index_keys("testapp_gadget")


def test_renaming_a_collection_an_interrupted_migrate_renamed_already_goes_on(gadget_model):
    gadget_model.objects.create(name="a")
    for _ in range(2):
        with connection.schema_editor() as editor:
            editor.alter_db_table(gadget_model, "testapp_gadget", "testapp_renamed")
    database = connection.mongo_database
    assert [d["name"] for d in database.testapp_renamed.find()] == ["a"]
    assert entry("testapp_renamed")["auto"]["seq"] == 1
    gadget_model._meta.db_table = "testapp_renamed"
