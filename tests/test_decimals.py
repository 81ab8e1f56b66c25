"""DecimalField values are stored rounded to decimal_places, as a SQL DECIMAL column stores them.

Behaviour is read back from the stored documents themselves (the ORM rounds on reading too, so
it could not tell a rounded value from an unrounded one).
"""

from decimal import Decimal

import pytest
from bson import Decimal128
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.sql import UpdateQuery

from djongo_core.command import Command
from tests.testapp.models import Ledger, Sample

TAX = Decimal("1.0825")


def stored(model, pk, column):
    document = connection.executor.run(Command(model._meta.db_table, "find_one", ({"_id": pk},)))
    return document.get(column)


@pytest.mark.parametrize("value", [19.99 * 1.0825, Decimal("19.99") * TAX, "21.639175"],
                         ids=["float", "decimal", "string"])
def test_a_saved_value_is_rounded_and_found_by_its_rounded_value(db, value):
    sample = Sample.objects.create(amount=value)
    assert stored(Sample, sample.pk, "amount") == Decimal128("21.64")
    assert list(Sample.objects.filter(amount=Decimal("21.64"))) == [sample]
    assert list(Sample.objects.filter(amount=21.64)) == [sample]


def test_rounding_is_half_away_from_zero_as_in_sql(db):
    up, down = Sample.objects.create(amount=Decimal("1.005")), Sample.objects.create(
        amount=Decimal("-1.005"))
    even = Sample.objects.create(amount=Decimal("2.125"))
    assert stored(Sample, up.pk, "amount") == Decimal128("1.01")
    assert stored(Sample, down.pk, "amount") == Decimal128("-1.01")
    assert stored(Sample, even.pk, "amount") == Decimal128("2.13")


def test_updates_round_values_and_computed_results(db):
    sample = Sample.objects.create(amount=Decimal("19.99"))
    negative = Sample.objects.create(amount=Decimal("-19.99"))
    Sample.objects.filter(pk__in=[sample.pk, negative.pk]).update(amount=F("amount") * TAX)
    assert stored(Sample, sample.pk, "amount") == Decimal128("21.64")
    assert stored(Sample, negative.pk, "amount") == Decimal128("-21.64")
    Sample.objects.filter(pk=sample.pk).update(amount=Decimal("3.14159"))
    assert stored(Sample, sample.pk, "amount") == Decimal128("3.14")
    sample.amount = Decimal("2.675")
    sample.save()
    assert stored(Sample, sample.pk, "amount") == Decimal128("2.68")
    Sample.objects.filter(pk=sample.pk).update(amount=None)
    Sample.objects.filter(pk=sample.pk).update(amount=F("amount") * TAX)
    assert stored(Sample, sample.pk, "amount") is None


def test_a_computed_decimal_is_rounded_by_the_server_half_away_from_zero():
    query = Sample.objects.filter(pk=1).query.chain(UpdateQuery)
    query.add_update_values({"amount": F("amount") * TAX})
    command = query.get_compiler("default")._command()
    half = Decimal128("0.005")

    def rounded(value):
        return {"$trunc": [{"$add": [value, half]}, 2]}

    assert command.args == ({"_id": 1}, [{"$set": {"amount": {"$let": {
        "vars": {"value": {"$multiply": ["$amount", Decimal128("1.0825")]}},
        "in": {"$cond": [{"$isNumber": "$$value"},
                         {"$cond": [{"$lt": ["$$value", 0]},
                                    {"$multiply": [-1, rounded({"$multiply": [-1, "$$value"]})]},
                                    rounded("$$value")]},
                         "$$value"]},
    }}}}])


def test_bulk_create_and_bulk_update_round(db):
    first, second = Sample.objects.bulk_create([Sample(amount=Decimal("0.125")),
                                                Sample(amount=Decimal("7.7777"))])
    assert stored(Sample, first.pk, "amount") == Decimal128("0.13")
    assert stored(Sample, second.pk, "amount") == Decimal128("7.78")
    first.amount, second.amount = Decimal("1.234"), Decimal("99.999")
    Sample.objects.bulk_update([first, second], ["amount"])
    assert stored(Sample, first.pk, "amount") == Decimal128("1.23")
    assert stored(Sample, second.pk, "amount") == Decimal128("100.00")


def test_unique_constraint_sees_values_equal_after_rounding(db):
    Ledger.objects.create(total=Decimal("19.99") * TAX)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ledger.objects.create(total=Decimal("21.64"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Ledger.objects.create(total=21.6449)
    assert Ledger.objects.count() == 1


def test_lookups_compare_their_value_unrounded_as_sql_does(db):
    sample = Sample.objects.create(amount=Decimal("21.64"))
    assert list(Sample.objects.filter(amount__gt=Decimal("21.635"))) == [sample]
    assert list(Sample.objects.filter(amount=Decimal("21.639175"))) == []
    assert list(Sample.objects.filter(amount__in=[Decimal("21.640")])) == [sample]


@pytest.mark.parametrize(("write", "named"), [
    (lambda: Sample.objects.create(amount=Decimal("1000000")), "testapp.Sample.amount"),
    (lambda: Sample.objects.create(amount=Decimal("999999.995")), "testapp.Sample.amount"),
    (lambda: Sample.objects.bulk_create([Sample(amount=Decimal("-1E+9"))]),
     "testapp.Sample.amount"),
    (lambda: Sample.objects.update(amount=Decimal("12345678")), "testapp.Sample.amount"),
    (lambda: Ledger.objects.create(total=1, wide=Decimal("1" * 36)), "testapp.Ledger.wide"),
], ids=["too-many-whole-digits", "rounding-overflows", "bulk-create", "update",
        "beyond-decimal128"])
def test_a_value_the_column_cannot_hold_is_refused_naming_the_field(db, write, named):
    with pytest.raises(DataError) as error:
        write()
    assert named in str(error.value)
    assert Sample.objects.count() == 0 and Ledger.objects.count() == 0


def test_a_lookup_value_beyond_decimal128_is_refused_clearly(db):
    with pytest.raises(DataError, match="34 significant digits"):
        list(Ledger.objects.filter(wide=Decimal("1." + "1" * 40)))


def test_thirty_four_digits_are_stored_exactly(db):
    value = Decimal("1" * 30 + ".1234")
    ledger = Ledger.objects.create(total=1, wide=value)
    assert stored(Ledger, ledger.pk, "wide") == Decimal128(value)
    assert Ledger.objects.get(wide=value) == ledger


@pytest.fixture
def price_list_model(db):
    from django.db import models
    from django.test.utils import isolate_apps

    from djongo_core.fields import ArrayField

    with isolate_apps("tests.testapp"):
        class PriceList(models.Model):
            prices = ArrayField(models.DecimalField(max_digits=6, decimal_places=2), null=True)
            grid = ArrayField(ArrayField(models.DecimalField(max_digits=6, decimal_places=1)),
                              null=True)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(PriceList)
        yield PriceList
        with connection.schema_editor() as editor:
            editor.delete_model(PriceList)


def test_list_items_are_rounded_by_their_decimal_field(price_list_model):
    stored = connection.mongo_database[price_list_model._meta.db_table]
    row = price_list_model.objects.create(prices=[Decimal("1.005"), Decimal("2.994"), None],
                                          grid=[[Decimal("0.25"), Decimal("-0.25")]])
    document = stored.find_one({"_id": row.pk})
    assert document["prices"] == [Decimal128("1.01"), Decimal128("2.99"), None]
    assert document["grid"] == [[Decimal128("0.3"), Decimal128("-0.3")]]
    price_list_model.objects.filter(pk=row.pk).update(prices=[Decimal("7.777")])
    assert stored.find_one({"_id": row.pk})["prices"] == [Decimal128("7.78")]
    row.prices = [Decimal("3.333")]
    price_list_model.objects.bulk_update([row], ["prices"])
    assert stored.find_one({"_id": row.pk})["prices"] == [Decimal128("3.33")]
    with pytest.raises(DataError, match="prices"):
        price_list_model.objects.create(prices=[Decimal("123456.7")])
