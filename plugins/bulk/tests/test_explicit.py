"""Model.objects.bulk_write([...]): explicit inserts, updates with expressions, upserts,
replacements and deletes in one bulk write."""

import pytest
from django.db import NotSupportedError, connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from bulk_testapp.models import Product, Supplier
from djongo_bulk import (
    BulkIntegrityError, Delete, Insert, Replace, Update, Upsert, bulk_write, bulk_writes,
)

pytestmark = pytest.mark.usefixtures("db")


def writes(captured):
    return [q["sql"] for q in captured if ".bulk_write(" in q["sql"]]


def test_every_kind_of_operation_in_one_bulk_write():
    old = Product.objects.create(sku="OLD", price=4)
    cheap = Product.objects.create(sku="CHEAP", price=10)
    replaced = Product.objects.create(sku="R", name="before", price=1)
    connection.mongo_database["bulk_testapp_product"].update_one(
        {"_id": replaced.pk}, {"$set": {"legacy": True}})
    new = Product(sku="NEW", price=7)
    replaced.name = "after"
    with CaptureQueriesContext(connection) as captured:
        result = Product.objects.bulk_write([
            Insert(new),
            Update(Q(price__lt=5), price=F("price") * 2),
            Upsert({"sku": "CHEAP"}, {"price": 9}),
            Upsert({"sku": "FRESH"}, {"price": 3}),
            Replace(replaced),
            Delete({"sku": "OLD"}),
        ])
    assert new.pk is not None
    (bulk,) = writes(captured)
    # Each upsert carries a key for a new document, drawn from the counter with the insert's.
    assert bulk == (
        'db.bulk_testapp_product.bulk_write(['
        f'{{"insertOne": {{"document": {{"sku": "NEW", "name": "", "price": 7, "stock": 0, '
        f'"supplier_id": null, "_id": {new.pk}}}}}}}, '
        '{"updateMany": {"filter": {"price": {"$lt": 5}}, '
        '"update": [{"$set": {"price": {"$multiply": ["$price", 2]}}}]}}, '
        '{"updateOne": {"filter": {"sku": "CHEAP"}, "update": {"$set": {"price": 9}, '
        f'"$setOnInsert": {{"name": "", "stock": 0, "supplier_id": null, "_id": {new.pk + 1}}}}}, '
        '"upsert": true}}, '
        '{"updateOne": {"filter": {"sku": "FRESH"}, "update": {"$set": {"price": 3}, '
        f'"$setOnInsert": {{"name": "", "stock": 0, "supplier_id": null, "_id": {new.pk + 2}}}}}, '
        '"upsert": true}}, '
        f'{{"replaceOne": {{"filter": {{"_id": {replaced.pk}}}, "replacement": {{"_id": {replaced.pk}, '
        '"sku": "R", "name": "after", "price": 1, "stock": 0, "supplier_id": null}}}, '
        '{"deleteMany": {"filter": {"sku": "OLD"}}}], {"ordered": true})'
    )
    assert (result.inserted, result.matched, result.modified, result.upserted,
            result.deleted) == (1, 4, 4, 1, 1)
    assert result[Product].upserted == 1
    assert list(Product.objects.values_list("sku", "name", "price")) == [
        ("CHEAP", "", 9), ("FRESH", "", 3), ("NEW", "", 7), ("R", "after", 1)]
    # Replace leaves no key that is no field of the model.
    assert "legacy" not in connection.mongo_database["bulk_testapp_product"].find_one(
        {"_id": replaced.pk})
    assert cheap.pk == Product.objects.get(sku="CHEAP").pk and old.pk


def test_a_failed_operation_is_named_by_its_position_in_the_list():
    Product.objects.create(sku="TAKEN")
    a, taken, c = Product(sku="A"), Product(sku="TAKEN"), Product(sku="C")
    with pytest.raises(BulkIntegrityError) as raised:
        bulk_write(Product, [Insert(a), Update({"sku": "A"}, stock=1), Insert(taken), Insert(c)],
                   ordered=True)
    error = raised.value
    (failure,) = error.errors
    assert (failure.index, failure.obj) == (2, taken)
    assert isinstance(failure.operation.source, Insert)
    assert [operation.obj for operation in error.not_attempted] == [c]
    assert (error.result.inserted, error.result.matched) == (1, 1)
    assert list(Product.objects.values_list("sku", "stock")) == [("A", 1), ("TAKEN", 0)]


def test_unordered_applies_every_other_operation():
    Product.objects.create(sku="TAKEN")
    with pytest.raises(BulkIntegrityError) as raised:
        Product.objects.bulk_write([Insert(Product(sku="TAKEN")), Insert(Product(sku="B"))],
                                   ordered=False)
    assert [failure.index for failure in raised.value.errors] == [0]
    assert list(Product.objects.values_list("sku", flat=True)) == ["B", "TAKEN"]


def test_an_upsert_inserts_then_updates():
    for price in (1, 2):
        result = Product.objects.bulk_write([Upsert({"sku": "U"}, {"price": price})])
    assert (result.upserted, result.matched) == (0, 1)
    assert list(Product.objects.values_list("sku", "price")) == [("U", 2)]


def test_a_filter_of_the_queryset_narrows_update_and_delete():
    acme = Supplier.objects.create(name="Acme")
    Product.objects.create(sku="A", supplier=acme)
    Product.objects.create(sku="B")
    Product.objects.filter(supplier__name="Acme").bulk_write([Update(None, stock=5)])
    Product.objects.filter(supplier__isnull=True).bulk_write([Delete(None)])
    assert list(Product.objects.values_list("sku", "stock")) == [("A", 5)]


def test_inside_a_block_the_queue_is_sent_first():
    with CaptureQueriesContext(connection) as captured:
        with bulk_writes():
            Product.objects.create(sku="QUEUED")
            Product.objects.bulk_write([Update({"sku": "QUEUED"}, stock=3)])
            assert Product.objects.get().stock == 3
    assert len(writes(captured)) == 2


def test_operations_are_checked_before_anything_is_sent():
    with pytest.raises(TypeError, match="operation 1 is 'x'; give Insert, Update"):
        bulk_write(Product, [Insert(Product(sku="A")), "x"])
    with pytest.raises(NotSupportedError, match="price=.*is an expression"):
        bulk_write(Product, [Upsert({"sku": "A"}, {"price": F("stock")})])
    with pytest.raises(ValueError, match="needs at least one field"):
        Update(Q(sku="A"))
    with pytest.raises(ValueError, match="Replace\\(\\) needs an object with a primary key"):
        bulk_write(Product, [Replace(Product(sku="A"))])
    with pytest.raises(TypeError, match="Insert\\(\\) on bulk_testapp.Product got"):
        bulk_write(Product, [Insert(Supplier(name="s"))])
    assert not Product.objects.exists()
