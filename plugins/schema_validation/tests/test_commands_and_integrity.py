"""showschema, validatedb and checkintegrity; loaddata and writes with dangling references;
full_clean() before save."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from bson import Decimal128
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection

from validation_testapp.models import Order, Product, Supplier

pytestmark = pytest.mark.usefixtures("db")


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def test_showschema_prints_the_validator():
    status, out, _ = run("showschema", "validation_testapp.Shipment")
    assert status == 0
    header, body = out.split("\n", 1)
    assert header == ("// validation_testapp.Shipment: collection 'validation_testapp_shipment', "
                      "validationLevel 'moderate', validationAction 'error'")
    assert json.loads(body)["$jsonSchema"]["additionalProperties"] is False


def test_validatedb_lists_exactly_the_seeded_bad_documents_and_fails():
    Product.objects.create(name="Good", sku="good", price=Decimal("1"))
    collection = connection.mongo_database["validation_testapp_product"]
    good = collection.find_one()
    for pk, change in ((101, {"price": 1.5}), (102, {"name": "x" * 60}), (103, {})):
        collection.insert_one({**good, "_id": pk, **change}, bypass_document_validation=True)
    status, out, err = run("validatedb", "validation_testapp")
    assert status == 1
    assert out.splitlines() == [
        "validation_testapp.Product (validation_testapp_product): 2 document(s) do not conform",
        "  _id 101: price must be decimal, got double 1.5",
        f"  _id 102: name must be at most 50 characters, got 60 ('{'x' * 40}'...)",
    ]
    assert "2 non-conforming document(s)" in err
    collection.delete_many({"_id": {"$in": [101, 102]}})
    assert run("validatedb", "validation_testapp.Product")[0] == 0


def test_loaddata_of_a_dangling_foreign_key_fails_as_on_sql_databases(tmp_path):
    fixture = tmp_path / "orders.json"
    fixture.write_text(json.dumps([
        {"model": "validation_testapp.supplier", "pk": 1, "fields": {"name": "Acme"}},
        {"model": "validation_testapp.order", "pk": 1,
         "fields": {"supplier": 1, "code": "ABC-1"}},
        {"model": "validation_testapp.order", "pk": 2,
         "fields": {"supplier": 77, "code": "ABC-2"}},
    ]))
    with pytest.raises(IntegrityError) as refused:
        call_command("loaddata", str(fixture), verbosity=0)
    assert "Problem installing fixture" in str(refused.value)
    assert ("The row in table 'validation_testapp_order' with primary key '2' has an invalid "
            "foreign key: validation_testapp_order.supplier_id contains a value '77' that does "
            "not have a corresponding value in validation_testapp_supplier._id") in str(
        refused.value)


def test_loaddata_accepts_forward_references_within_the_fixture(tmp_path):
    fixture = tmp_path / "forward.json"
    fixture.write_text(json.dumps([
        {"model": "validation_testapp.order", "pk": 1,
         "fields": {"supplier": 5, "code": "ABC-1"}},
        {"model": "validation_testapp.supplier", "pk": 5, "fields": {"name": "Later"}},
    ]))
    call_command("loaddata", str(fixture), verbosity=0)
    assert Order.objects.get().supplier.name == "Later"


def test_checkintegrity_lists_dangling_references_per_relation():
    acme = Supplier.objects.create(name="Acme")
    collection = connection.mongo_database["validation_testapp_order"]
    for pk, supplier, backup in ((1, acme.pk, None), (2, 404, None), (3, acme.pk, 405)):
        collection.insert_one({"_id": pk, "supplier_id": supplier, "backup_id": backup,
                               "loose_id": 999, "code": "ABC-1"})
    status, out, _ = run("checkintegrity", "validation_testapp.Order")
    assert status == 1
    assert out.splitlines() == [
        "validation_testapp.Order.supplier -> validation_testapp.Supplier: 1 dangling "
        "reference(s)",
        "  _id 2: supplier_id = 404 (no validation_testapp.Supplier)",
        "validation_testapp.Order.backup -> validation_testapp.Supplier: 1 dangling "
        "reference(s)",
        "  _id 3: backup_id = 405 (no validation_testapp.Supplier)",
    ]  # loose has db_constraint=False: left alone


def test_check_references_refuses_a_write_naming_a_missing_target_in_one_query():
    acme = Supplier.objects.create(name="Acme")
    with pytest.raises(IntegrityError, match=r"validation_testapp.Order.supplier: no "
                                             r"validation_testapp.Supplier with id 41"):
        Order.objects.bulk_create([Order(supplier_id=acme.pk, code="ABC-1"),
                                   Order(supplier_id=41, code="ABC-2")])
    assert not Order.objects.exists()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        Order.objects.bulk_create([Order(supplier=acme, code=f"ABC-{n}") for n in range(5)])
    lookups = [q["sql"] for q in queries if q["sql"].startswith(
        "db.validation_testapp_supplier.find")]
    assert len(lookups) == 1  # one query per relation for the whole batch
    order = Order.objects.first()
    with pytest.raises(IntegrityError, match="no validation_testapp.Supplier with id 99"):
        Order.objects.filter(pk=order.pk).update(backup_id=99)
    Order.objects.filter(pk=order.pk).update(loose_id=99)  # no constraint on it


def test_validate_on_save_runs_full_clean_before_the_write():
    acme = Supplier.objects.create(name="Acme")
    with pytest.raises(ValidationError) as refused:
        Order(supplier=acme, code="abc").save()
    assert list(refused.value.message_dict) == ["code"]
    assert not Order.objects.exists()
    Order(supplier=acme, code="ABC-1").save()
    # The server holds a write that skips save() (bulk_create) to the same pattern.
    from djongo_schema_validation import SchemaViolation

    with pytest.raises(SchemaViolation, match="code must match the pattern"):
        Order.objects.bulk_create([Order(supplier=acme, code="abc")])


def test_a_decimal_is_stored_as_the_validator_wants():
    Product.objects.create(name="P", sku="p", price=Decimal("2.50"))
    stored = connection.mongo_database["validation_testapp_product"].find_one()
    assert stored["price"] == Decimal128("2.50")
