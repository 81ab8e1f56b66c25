"""Column checks (Django's db_check(): a Positive*Field's `>= 0`) as clauses of the
collection's validator: values the server computes are held to them too."""

import pytest
from django.db import IntegrityError, connection, models
from django.db.models import F, Q
from django.test.utils import isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")

TABLE = "testapp_stock"


def collection_validator():
    (info,) = connection.mongo_database.list_collections(filter={"name": TABLE})
    return info["options"].get("validator")


def checks():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    return {name: details["columns"] for name, details in found.items() if details["check"]}


@pytest.fixture
def stock_model():
    with isolate_apps("tests.testapp"):
        class Stock(models.Model):
            count = models.PositiveIntegerField(null=True)
            small = models.PositiveSmallIntegerField(default=0)
            delta = models.IntegerField(default=0)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Stock)
        yield Stock
        connection.mongo_database.drop_collection(TABLE)
        connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": TABLE})


def test_each_positive_field_is_a_named_clause_of_the_validator(stock_model):
    assert collection_validator() == {"$and": [
        {"$or": [{"count": None}, {"count": {"$gte": 0}}]},
        {"$or": [{"small": None}, {"small": {"$gte": 0}}]}]}
    assert checks() == {"testapp_stock_count_check": ["count"],
                        "testapp_stock_small_check": ["small"]}


def test_a_computed_negative_value_is_refused_by_the_server(stock_model):
    stock = stock_model.objects.create(count=0)
    stock.count = F("count") - 1
    with pytest.raises(IntegrityError):
        stock.save()
    with pytest.raises(IntegrityError):
        stock_model.objects.update(small=F("small") - 1)
    stock_model.objects.update(count=None, delta=-5)  # NULL passes a CHECK; delta has none
    stock.refresh_from_db()
    assert (stock.count, stock.small, stock.delta) == (None, 0, -5)


def test_altering_fields_adds_and_removes_their_check(stock_model):
    old = stock_model._meta.get_field("count")
    plain = models.IntegerField(null=True)
    plain.set_attributes_from_name("count")
    with connection.schema_editor() as editor:
        editor.alter_field(stock_model, old, plain, strict=True)
    assert collection_validator() == {"$or": [{"small": None}, {"small": {"$gte": 0}}]}
    assert checks() == {"testapp_stock_small_check": ["small"]}
    stock_model.objects.create(small=1, count=None)
    connection.mongo_database[TABLE].update_many({}, {"$set": {"count": -3}})
    # As SQL refuses a CHECK that rows violate: the negative value stays, the change is refused.
    with pytest.raises(IntegrityError, match="negative"):
        with connection.schema_editor() as editor:
            editor.alter_field(stock_model, plain, old, strict=True)
    connection.mongo_database[TABLE].update_many({}, {"$set": {"count": 3}})
    renamed = models.PositiveIntegerField(null=True)
    renamed.set_attributes_from_name("units")
    with connection.schema_editor() as editor:
        editor.alter_field(stock_model, plain, renamed, strict=True)
    assert checks() == {"testapp_stock_small_check": ["small"],
                        "testapp_stock_units_check": ["units"]}
    with connection.schema_editor() as editor:
        editor.remove_field(stock_model, stock_model._meta.get_field("small"))
    # (The model class itself still declares "count": the migration state is not updated here.)
    assert "testapp_stock_small_check" not in checks()


def test_table_check_constraints_keep_their_names_beside_column_checks(stock_model):
    constraint = models.CheckConstraint(condition=Q(delta__lte=10), name="delta_at_most_10")
    with connection.schema_editor() as editor:
        editor.add_constraint(stock_model, constraint)
    assert checks() == {"testapp_stock_count_check": ["count"],
                        "testapp_stock_small_check": ["small"],
                        "delta_at_most_10": ["delta"]}
    with connection.schema_editor() as editor:
        editor.remove_constraint(stock_model, constraint)
    assert set(checks()) == {"testapp_stock_count_check", "testapp_stock_small_check"}
