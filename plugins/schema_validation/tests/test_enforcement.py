"""The server holds every writer to the model, and its refusals name the model, document and
field; full_clean() shows the same rules before any write."""

from decimal import Decimal

import pytest
from bson import Decimal128
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import Value
from pymongo.errors import WriteError

from djongo_schema_validation import SchemaViolation
from djongo_schema_validation.evaluation import violations
from djongo_schema_validation.generator import collection_schema
from validation_testapp.models import Address, Product, Shipment, Supplier

pytestmark = pytest.mark.usefixtures("db")


def product(**values):
    return Product.objects.create(**{"name": "Lamp", "sku": "lamp-1", "price": Decimal("9.99"),
                                     **values})


def test_a_raw_pymongo_insert_of_a_wrong_type_is_refused_by_the_server():
    collection = connection.mongo_database["validation_testapp_product"]
    document = {"_id": 900, "name": "Raw", "sku": "raw", "description": "", "price": 1.5,
                "stock": 0, "views": 0, "active": True, "size": "M", "tags": [],
                "addresses": [], "alternatives": []}
    with pytest.raises(WriteError) as refused:
        collection.insert_one(document)
    assert refused.value.code == 121
    collection.insert_one({**document, "price": Decimal128("1.50")})  # the right type passes


def test_update_with_a_wrong_type_raises_a_schema_violation_naming_the_field():
    lamp = product()
    with pytest.raises(SchemaViolation) as raised:
        Product.objects.filter(pk=lamp.pk).update(price=Value("x"))
    error = raised.value
    assert isinstance(error, IntegrityError)
    assert str(error).startswith(
        f"validation_testapp.Product {lamp.pk}: price must be decimal, got string 'x'.")
    assert "manage.py showschema validation_testapp.Product" in str(error)
    assert error.model is Product and error.pk == lamp.pk
    assert error.violations == [("price", "price must be decimal, got string 'x'")]
    assert error.details["failingDocumentId"] == lamp.pk


def test_nested_and_array_rules_are_enforced_and_named():
    lamp = product()
    collection = connection.mongo_database["validation_testapp_product"]
    with pytest.raises(SchemaViolation, match=r"address\.zip_code must match the pattern"):
        Product.objects.filter(pk=lamp.pk).update(
            address=Address(street="Main", zip_code="ABCDE"))
    with pytest.raises(SchemaViolation, match=r"tags must have at most 3 items, got 4"):
        Product.objects.filter(pk=lamp.pk).update(tags=["a", "b", "c", "d"])
    with pytest.raises(WriteError):
        collection.update_one({"_id": lamp.pk}, {"$set": {"addresses": [{"street": "x"}]}})
    with pytest.raises(SchemaViolation, match=r"addresses\[1\]\.zip_code must be at most 10"):
        Product.objects.filter(pk=lamp.pk).update(addresses=[
            Address(street="x", zip_code="12345"), Address(street="y", zip_code="1" * 11)])


def test_a_missing_required_field_and_an_enum_are_reported():
    lamp = product()
    with pytest.raises(SchemaViolation, match=r"size must be one of 'S', 'M', 'L', '', got 'XL'"):
        Product.objects.filter(pk=lamp.pk).update(size="XL")
    with pytest.raises(SchemaViolation, match=r"name must be at most 50 characters, got 51"):
        product(name="x" * 51)


def test_moderate_lets_an_old_invalid_document_be_updated_on_another_field():
    supplier = Supplier.objects.create(name="Acme")
    lamp = product(supplier=supplier)
    collection = connection.mongo_database["validation_testapp_shipment"]
    collection.insert_one({"product_id": lamp.pk, "quantity": "many", "note": ""},
                          bypass_document_validation=True)
    old = collection.find_one({"quantity": "many"})["_id"]
    Shipment.objects.filter(pk=old).update(note="checked")  # moderate: an invalid one stays
    assert collection.find_one({"_id": old})["note"] == "checked"
    with pytest.raises(WriteError) as refused:  # moderate still checks every insert
        collection.insert_one({"product_id": lamp.pk, "quantity": "few", "note": ""})
    assert refused.value.code == 121
    valid = Shipment.objects.create(product=lamp, quantity=2)
    with pytest.raises(SchemaViolation, match="note must be at most 20 characters"):
        Shipment.objects.filter(pk=valid.pk).update(note="x" * 21)


def test_unknown_keys_are_refused_where_additional_properties_is_false():
    lamp = product()
    collection = connection.mongo_database["validation_testapp_shipment"]
    with pytest.raises(WriteError) as refused:
        collection.insert_one({"product_id": lamp.pk, "quantity": 1, "note": "", "extra": 1})
    assert refused.value.code == 121


def test_full_clean_reports_the_servers_rule_before_any_write():
    lamp = product()
    shipment = Shipment(product=lamp, quantity=3, note="ok")
    shipment.full_clean()
    shipment.note = "x" * 21
    with pytest.raises(ValidationError) as raised:
        shipment.full_clean()
    assert "note" in raised.value.message_dict
    assert not Shipment.objects.exists()


def test_the_schema_constraint_reports_what_field_validation_does_not_convert():
    lamp = product()
    shipment = Shipment(product=lamp, quantity=3, note="ok")
    constraint = Shipment._meta.constraints[0]
    shipment.quantity = 2 ** 40  # no Python validator on this field's width in the test
    with pytest.raises(ValidationError) as raised:
        constraint.validate(Shipment, shipment, using="default")
    assert raised.value.message_dict == {
        "quantity": ["quantity must be at most 2147483647, got 1099511627776"]}
    constraint.validate(Shipment, shipment, exclude={"quantity"}, using="default")


@pytest.mark.parametrize("changes", [
    {"price": 1.5}, {"price": "1"}, {"name": None}, {"name": "x" * 51}, {"sku": "no spaces"},
    {"sku": ""}, {"size": "XL"}, {"stock": -1}, {"rating": 6}, {"rating": 5}, {"weight": 3},
    {"tags": ["a"] * 4}, {"tags": ["x" * 11]}, {"opens": "25:00:00"}, {"opens": "09:30:00"},
    {"address": {"street": "s", "zip_code": "1234"}}, {"address": {"street": "s"}},
    {"address": {"street": "s", "zip_code": "12345", "floor": None}},
    {"addresses": [{"street": "s", "zip_code": "12345x"}]}, {"active": 1},
])
def test_the_plugins_reading_of_the_schema_agrees_with_the_server(changes):
    schema = collection_schema(connection, Product)
    base = {"_id": 1, "name": "Lamp", "sku": "lamp", "description": "",
            "price": Decimal128("1.5"), "stock": 0, "views": 0, "active": True, "size": "M",
            "tags": [], "addresses": [], "alternatives": []}
    document = {**base, **changes}
    collection = connection.mongo_database["validation_testapp_product"]
    try:
        collection.insert_one(document)
        server_accepts = True
    except WriteError as error:
        assert error.code == 121
        server_accepts = False
    assert (violations(schema, document) == []) == server_accepts


@pytest.mark.engine_deviation("jsonschema-errinfo-generic")
def test_mongodb_names_the_failed_keyword_in_errinfo():
    lamp = product()
    collection = connection.mongo_database["validation_testapp_product"]
    with pytest.raises(WriteError) as refused:
        collection.update_one({"_id": lamp.pk}, {"$set": {"name": "x" * 51}})
    failed = refused.value.details["errInfo"]["details"]["schemaRulesNotSatisfied"][0]
    detail = failed["propertiesNotSatisfied"][0]["details"][0]
    assert detail["operatorName"] == "maxLength"
    assert detail["specifiedAs"] == {"maxLength": 50}


@pytest.mark.engine_deviation("jsonschema-pattern-python-re")
def test_a_pcre_end_of_string_pattern_is_accepted():
    database = connection.mongo_database
    database.drop_collection("pcre_probe")
    try:
        database.create_collection("pcre_probe", validator={
            "$jsonSchema": {"properties": {"s": {"pattern": r"^a\z"}}}})
        database.pcre_probe.insert_one({"s": "a"})
        with pytest.raises(WriteError):
            database.pcre_probe.insert_one({"s": "a\n"})
    finally:
        database.drop_collection("pcre_probe")
