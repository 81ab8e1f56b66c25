"""CompositePrimaryKey: a unique index keeps the key unique, and lookups on it compare per column."""

import pytest
from django.db import IntegrityError, NotSupportedError, connection, models
from django.test.utils import isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")

TABLE = "testapp_seat"


@pytest.fixture
def seat_model():
    with isolate_apps("tests.testapp"):
        class Seat(models.Model):
            pk = models.CompositePrimaryKey("row", "number")
            row = models.CharField(max_length=2)
            number = models.IntegerField()
            holder = models.CharField(max_length=20, default="")

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Seat)
        yield Seat
        connection.mongo_database.drop_collection(TABLE)
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": TABLE})


def test_the_key_is_unique(seat_model):
    index = connection.mongo_database[TABLE].index_information()[f"{TABLE}_pkey"]
    assert (index["key"], index["unique"]) == ([("row", 1), ("number", 1)], True)
    seat_model.objects.create(row="A", number=1)
    seat_model.objects.create(row="A", number=2)
    with pytest.raises(IntegrityError):
        seat_model.objects.create(row="A", number=1)


def test_lookups_on_the_key_compare_column_by_column(seat_model):
    assert str(seat_model.objects.filter(pk=("A", 1)).values("holder").query) == (
        'db.testapp_seat.find({"row": "A", "number": 1}, {"holder": 1, "_id": 0})')
    assert str(seat_model.objects.filter(pk__in=[("A", 1), ("B", None), ("B", 2)])
               .values("holder").query) == (
        'db.testapp_seat.find({"$or": [{"row": "A", "number": 1}, {"row": "B", "number": 2}]}, '
        '{"holder": 1, "_id": 0})')
    assert str(seat_model.objects.filter(pk__gt=("A", 1)).values("holder").query) == (
        'db.testapp_seat.find({"$or": [{"row": {"$gt": "A"}}, '
        '{"row": "A", "number": {"$gt": 1}}]}, {"holder": 1, "_id": 0})')


def test_save_get_refresh_and_delete_by_the_key(seat_model):
    for row, number in [("A", 1), ("A", 2), ("B", 1)]:
        seat_model.objects.create(row=row, number=number)
    seat = seat_model.objects.get(pk=("A", 2))
    assert seat.pk == ("A", 2)
    seat.holder = "Ann"
    seat.save()
    seat.refresh_from_db()
    assert seat.holder == "Ann"
    assert list(seat_model.objects.filter(pk__gte=("A", 2)).order_by("row", "number")
                .values_list("row", "number")) == [("A", 2), ("B", 1)]
    assert seat_model.objects.filter(pk__in=[("A", 1), ("B", 1)]).count() == 2
    seat.delete()
    assert sorted(seat_model.objects.values_list("row", "number")) == [("A", 1), ("B", 1)]
    assert seat_model.objects.filter(pk__in=[("A", None)]).count() == 0


def test_introspection_reports_the_composite_key(seat_model):
    introspection = connection.introspection
    assert introspection.get_primary_key_columns(None, TABLE) == ["row", "number"]
    constraints = introspection.get_constraints(None, TABLE)
    assert constraints[f"{TABLE}_pkey"]["primary_key"] is True
    assert constraints["_id_"]["primary_key"] is False


def test_a_subquery_on_the_key_is_refused_with_the_way_out(seat_model):
    with pytest.raises(NotSupportedError, match=r"TupleIn on \(row, number\) against a subquery"
                                                r".*pk__in=list\("):
        list(seat_model.objects.filter(pk__in=seat_model.objects.values("pk")))
