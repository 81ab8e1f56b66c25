"""GeneratedField: stored values computed by the server on every ORM write, virtual values
computed wherever their column is read."""

from contextlib import contextmanager

import django
import pytest
from django.db import NotSupportedError, connection, models
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext, isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION
from djongo_core.plugins import hookimpl
from tests.testapp.models import Rectangle

pytestmark = pytest.mark.usefixtures("db")

TABLE = "testapp_rectangle"
AREA = {"$multiply": ["$width", "$height"]}
CODE = {"$cond": [{"$ne": [{"$ifNull": ["$label", None]}, None]}, {"$toLower": "$label"}, None]}
PERIMETER = {"$multiply": [{"$add": ["$width", "$height"]}, 2]}
IS_SQUARE = {"$cond": [
    {"$or": [{"$eq": [{"$ifNull": ["$width", None]}, None]},
             {"$eq": [{"$ifNull": ["$height", None]}, None]}]},
    None,
    {"$and": [{"$eq": ["$width", "$height"]}, {"$ne": [{"$ifNull": ["$width", None]}, None]}]},
]}


class Recorder:
    """Records every write the backend runs (but the counters'): reads that decide what to
    write (a count of the documents to fill) are left out."""

    def __init__(self):
        self.commands = []

    @hookimpl(wrapper=True)
    def djongo_execute(self, connection, command):
        if command.collection != SCHEMA_COLLECTION and command.operation not in READS:
            self.commands.append(command)
        return (yield)


READS = {"count_documents", "find_one", "list_collections", "index_information"}


@contextmanager
def recorded():
    recorder = Recorder()
    connection.plugin_host.register(recorder, "generated-recorder")
    try:
        yield recorder.commands
    finally:
        connection.plugin_host.unregister(name="generated-recorder")


def stored(table=TABLE):
    return list(connection.mongo_database[table].find(sort=[("_id", 1)]))


def pipeline(queryset):
    command = queryset.query.get_compiler(queryset.db).build_plan().command
    assert command.operation == "aggregate"
    return command.args[0]


def documents_stages(documents):
    return [
        {"$documents": [{}]},
        {"$project": {"_id": 0, "document": {"$literal": documents}}},
        {"$unwind": "$document"},
        {"$replaceWith": "$document"},
    ]


# -- writes ---------------------------------------------------------------------------------


def test_create_computes_stored_values_on_the_server_before_the_insert():
    with recorded() as commands:
        rectangle = Rectangle.objects.create(width=2, height=3, label="AbC")
    document = {"width": 2, "height": 3, "label": "AbC", "_id": rectangle.pk}
    assert [(c.collection, c.operation) for c in commands] == [
        (None, "aggregate"), (TABLE, "insert_one")]
    assert commands[0].args[0] == [
        *documents_stages([document]),
        {"$set": {"area": AREA, "code": CODE}},
        {"$project": {"_id": 0, "area": 1, "code": 1, "perimeter": PERIMETER,
                      "is_square": IS_SQUARE}},
    ]
    assert commands[1].args == ({**document, "area": 6, "code": "abc"},)
    # Every generated value came back with the insert: reading them runs nothing.
    with CaptureQueriesContext(connection) as queries:
        assert (rectangle.area, rectangle.code, rectangle.perimeter, rectangle.is_square) == (
            6, "abc", 10, False)
    assert len(queries) == 0
    assert stored() == [{**document, "area": 6, "code": "abc"}]


def test_bulk_create_computes_the_batch_in_one_pipeline_and_keeps_dollar_strings():
    with recorded() as commands:
        square, other = Rectangle.objects.bulk_create([
            Rectangle(width=4, height=4), Rectangle(width=1, height=5, label="$X")])
    assert [(c.collection, c.operation) for c in commands] == [
        (None, "aggregate"), (TABLE, "insert_many")]
    assert (square.area, square.code, square.perimeter, square.is_square) == (16, None, 16, True)
    assert (other.area, other.code, other.perimeter, other.is_square) == (5, "$x", 12, False)
    assert [(d["area"], d["code"]) for d in stored()] == [(16, None), (5, "$x")]
    assert all("perimeter" not in d and "is_square" not in d for d in stored())


def test_update_recomputes_the_stored_fields_that_read_a_written_field():
    rectangle = Rectangle.objects.create(width=2, height=3, label="AbC")
    with recorded() as commands:
        Rectangle.objects.filter(pk=rectangle.pk).update(width=5)
        Rectangle.objects.update(label="XY")
    assert [c.args for c in commands] == [
        ({"_id": rectangle.pk}, [{"$set": {"width": 5}}, {"$set": {"area": AREA}}]),
        ({}, [{"$set": {"label": "XY"}}, {"$set": {"code": CODE}}]),
    ]
    assert [(d["area"], d["code"]) for d in stored()] == [(15, "xy")]


def test_update_with_expressions_recomputes_after_the_new_values():
    Rectangle.objects.create(width=2, height=3)
    Rectangle.objects.update(width=F("width") + F("height"))
    assert stored()[0]["area"] == 15


def test_save_writes_and_recomputes_then_reloads_generated_values_on_access():
    rectangle = Rectangle.objects.create(width=2, height=3)
    rectangle.width = 10
    rectangle.save()
    # MongoDB's update returns no documents: the values are deferred and read once. (Django 5.2
    # leaves them stale on the instance until refresh_from_db(), as its documentation says.)
    if "area" in rectangle.get_deferred_fields():
        with CaptureQueriesContext(connection) as queries:
            assert rectangle.area == 30
        assert len(queries) == 1
    else:
        assert django.VERSION < (6, 0)
    rectangle.refresh_from_db()
    assert (rectangle.area, rectangle.perimeter) == (30, 26)


def test_bulk_update_recomputes():
    first, second = Rectangle.objects.bulk_create([Rectangle(width=1, height=1),
                                                   Rectangle(width=2, height=2)])
    first.width, second.height = 7, 9
    Rectangle.objects.bulk_update([first, second], ["width", "height"])
    assert [d["area"] for d in stored()] == [7, 18]


def test_update_conflicts_recompute_from_the_stored_document():
    rectangle = Rectangle.objects.create(width=2, height=3)
    (updated, new) = Rectangle.objects.bulk_create(
        [Rectangle(pk=rectangle.pk, width=7, height=1), Rectangle(width=1, height=1)],
        update_conflicts=True, unique_fields=["pk"], update_fields=["width"])
    # The stored document keeps its height: 7 x 3, not the 7 x 1 of the object sent.
    assert (updated.pk, updated.area, updated.perimeter) == (rectangle.pk, 21, 20)
    assert (new.area, new.perimeter) == (1, 4)
    assert [(d["width"], d["height"], d["area"]) for d in stored()] == [(7, 3, 21), (1, 1, 1)]


def test_documents_written_outside_django_are_not_recomputed():
    rectangle = Rectangle.objects.create(width=2, height=3)
    connection.mongo_database[TABLE].update_one({"_id": rectangle.pk}, {"$set": {"width": 4}})
    rectangle.refresh_from_db()
    assert (rectangle.area, rectangle.perimeter) == (6, 14)  # stored: stale; virtual: current


# -- reads ----------------------------------------------------------------------------------


def test_stored_field_filters_use_the_index_friendly_form():
    queryset = Rectangle.objects.filter(area__gte=10).values_list("area", flat=True)
    command = queryset.query.get_compiler(queryset.db).build_plan().command
    assert command.operation == "find"
    assert command.args == ({"area": {"$gte": 10}}, {"area": 1, "_id": 0})
    assert any(info["key"] == [("area", 1)]
               for info in connection.mongo_database[TABLE].index_information().values())


def test_virtual_field_filter_compiles_to_its_expression():
    queryset = Rectangle.objects.filter(perimeter__gt=12).values_list("pk", "perimeter")
    assert pipeline(queryset) == [
        {"$match": {"$expr": {"$and": [{"$gt": [PERIMETER, 12]},
                                       {"$ne": [{"$ifNull": [PERIMETER, None]}, None]}]}}},
        {"$project": {"_id": 0, "c0": "$_id", "c1": PERIMETER}},
    ]
    Rectangle.objects.bulk_create([Rectangle(width=1, height=2), Rectangle(width=5, height=5)])
    assert [perimeter for _, perimeter in queryset] == [20]


def test_ordering_on_a_virtual_field_sorts_on_the_computed_value():
    queryset = Rectangle.objects.order_by("-perimeter").values_list("perimeter", flat=True)
    assert pipeline(queryset) == [
        {"$project": {"_id": 0, "c0": PERIMETER}},
        {"$sort": {"c0": -1}},
    ]
    Rectangle.objects.bulk_create([Rectangle(width=1, height=2), Rectangle(width=5, height=5),
                                   Rectangle(width=3, height=1)])
    assert list(queryset) == [20, 8, 6]


def test_virtual_fields_in_aggregates_and_grouping():
    Rectangle.objects.bulk_create([Rectangle(width=1, height=2), Rectangle(width=5, height=5),
                                   Rectangle(width=3, height=3)])
    assert Rectangle.objects.aggregate(total=Sum("perimeter")) == {"total": 38}
    assert list(Rectangle.objects.values("is_square").annotate(area=Sum("area"))
                .order_by("is_square")) == [{"is_square": False, "area": 2},
                                            {"is_square": True, "area": 34}]
    assert list(Rectangle.objects.filter(is_square=True).values_list("width", flat=True)
                .order_by("width")) == [3, 5]


def test_virtual_field_read_across_a_relation_uses_the_joined_documents():
    # A correlated subquery reads the outer document's virtual value through $lookup's let.
    Rectangle.objects.bulk_create([Rectangle(width=1, height=2), Rectangle(width=2, height=1)])
    same = Rectangle.objects.filter(perimeter=models.OuterRef("perimeter")).exclude(
        pk=models.OuterRef("pk"))
    assert Rectangle.objects.filter(models.Exists(same)).count() == 2


# -- migrations -----------------------------------------------------------------------------


@pytest.fixture
def counter_model():
    with isolate_apps("tests.testapp"):
        class Counter(models.Model):
            n = models.IntegerField()

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Counter)
        yield Counter
        connection.mongo_database.drop_collection("testapp_counter")
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": "testapp_counter"})


def generated(name, model, expression, db_persist, output_field=None, **options):
    field = models.GeneratedField(expression=expression, db_persist=db_persist,
                                  output_field=output_field or models.IntegerField(), **options)
    field.contribute_to_class(model, name)
    return field


def test_adding_a_stored_generated_field_computes_it_in_existing_documents(counter_model):
    counter_model.objects.bulk_create([counter_model(n=1), counter_model(n=5)])
    with recorded() as commands, connection.schema_editor() as editor:
        editor.add_field(counter_model,
                         generated("double", counter_model, F("n") * 2, db_persist=True))
    assert commands[0].operation == "update_many"
    assert commands[0].args == ({"double": {"$exists": False}},
                                [{"$set": {"double": {"$multiply": ["$n", 2]}}}])
    assert [d["double"] for d in stored("testapp_counter")] == [2, 10]
    with recorded() as commands, connection.schema_editor() as editor:
        editor.remove_field(counter_model, counter_model._meta.get_field("double"))
    assert ("update_many", ({}, {"$unset": {"double": ""}})) in [
        (c.operation, c.args) for c in commands]
    assert all("double" not in d for d in stored("testapp_counter"))


def test_a_virtual_generated_field_is_never_written(counter_model):
    counter_model.objects.create(n=3)
    field = generated("triple", counter_model, F("n") * 3, db_persist=False)
    with recorded() as commands, connection.schema_editor() as editor:
        editor.add_field(counter_model, field)
    assert [c.collection for c in commands] == []  # only its declaration in __schema__
    assert counter_model.objects.get().triple == 9
    with recorded() as commands, connection.schema_editor() as editor:
        editor.remove_field(counter_model, field)
    assert [c.collection for c in commands] == []
    assert connection.mongo_database[SCHEMA_COLLECTION].find_one(
        {"name": "testapp_counter"})["fields"].get("triple") is None


def test_changing_the_expression_is_refused_as_django_does(counter_model):
    old = generated("double", counter_model, F("n") * 2, db_persist=True)
    with connection.schema_editor() as editor:
        editor.add_field(counter_model, old)
    new = models.GeneratedField(expression=F("n") * 3, db_persist=True,
                                output_field=models.IntegerField())
    new.set_attributes_from_name("double")
    new.model = counter_model
    with pytest.raises(ValueError, match="Modifying GeneratedFields is not supported"):
        with connection.schema_editor() as editor:
            editor.alter_field(counter_model, old, new)


def test_changing_the_output_type_recomputes_stored_values(counter_model):
    counter_model.objects.create(n=3)
    old = generated("half", counter_model, F("n") / 2, db_persist=True)
    with connection.schema_editor() as editor:
        editor.add_field(counter_model, old)
    assert stored("testapp_counter")[0]["half"] == 1  # integer division, as in SQL
    new = models.GeneratedField(expression=F("n") / 2, db_persist=True,
                                output_field=models.FloatField())
    new.set_attributes_from_name("half")
    new.model = counter_model
    with recorded() as commands, connection.schema_editor() as editor:
        editor.alter_field(counter_model, old, new)
    assert ("update_many", ({}, [{"$set": {"half": {"$cond": [
        {"$ne": [{"$ifNull": [{"$trunc": [{"$divide": ["$n", 2]}]}, None]}, None]},
        {"$toDouble": {"$trunc": [{"$divide": ["$n", 2]}]}}, None]}}}])) in [
        (c.operation, c.args) for c in commands]
    assert stored("testapp_counter")[0]["half"] == 1.0
    assert isinstance(stored("testapp_counter")[0]["half"], float)


def test_an_index_on_a_virtual_generated_field_is_refused(counter_model):
    field = generated("triple", counter_model, F("n") * 3, db_persist=False, db_index=True)
    with pytest.raises(NotSupportedError, match=(
            r"db_index=True cannot index testapp.Counter.triple: it is a virtual "
            r"GeneratedField \(db_persist=False\).*db_persist=True")):
        with connection.schema_editor() as editor:
            editor.add_field(counter_model, field)
