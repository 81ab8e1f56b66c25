"""migrate gives each collection the validator generated from its model: exact snapshots."""

import pytest
from django.core.validators import MinValueValidator, RegexValidator
from django.db import connection, models
from django.test.utils import isolate_apps

from djongo_schema_validation import collection_schema
from djongo_schema_validation.checks import _model_errors
from djongo_schema_validation.generator import regex_pattern

INT32 = {"minimum": -2147483648, "maximum": 2147483647}
END = r"(?![\s\S])"
ZIP = {"bsonType": "string", "maxLength": 10, "pattern": rf"^{END}|(?:^\d{{5}}{END})"}
ADDRESS = {
    "required": ["street", "zip_code"],
    "properties": {
        "street": {"bsonType": "string", "maxLength": 50},
        "zip_code": ZIP,
        "floor": {"bsonType": ["int", "long", "null"], **INT32},
    },
}

PRODUCT = {"$jsonSchema": {
    "bsonType": "object",
    "required": ["active", "addresses", "alternatives", "description", "name", "price", "size",
                 "sku", "stock", "tags", "views"],
    "properties": {
        "_id": {"bsonType": ["int", "long"], **INT32},
        "name": {"bsonType": "string", "maxLength": 50},
        "sku": {"bsonType": "string", "maxLength": 20,
                "pattern": rf"^{END}|(?:^[-a-zA-Z0-9_]+{END})"},
        "description": {"bsonType": "string"},
        "price": {"bsonType": "decimal"},
        "weight": {"bsonType": ["double", "int", "long", "null"]},
        "stock": {"bsonType": ["int", "long"], "minimum": 0, "maximum": 2147483647},
        "rating": {"bsonType": ["int", "long", "null"], "minimum": 1, "maximum": 5},
        "views": {"bsonType": ["int", "long"], "minimum": -9223372036854775808,
                  "maximum": 9223372036854775807},
        "active": {"bsonType": "bool"},
        "released": {"bsonType": ["date", "null"]},
        "updated": {"bsonType": ["date", "null"]},
        "opens": {"bsonType": ["string", "null"],
                  "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{6})?$"},
        "shelf_life": {"bsonType": ["int", "long", "null"]},
        "code": {"bsonType": ["binData", "null"]},
        "blob": {"bsonType": ["binData", "null"]},
        "size": {"bsonType": "string", "maxLength": 1, "enum": ["S", "M", "L", ""]},
        "attributes": {},
        "ip": {"bsonType": ["string", "null"]},
        "external_id": {"bsonType": ["objectId", "null"]},
        "supplier_id": {"bsonType": ["int", "long", "null"]},
        "address": {"bsonType": ["object", "null"], **ADDRESS},
        "tags": {"bsonType": "array", "items": {"bsonType": "string", "maxLength": 10},
                 "maxItems": 3},
        "addresses": {"bsonType": "array", "items": {"bsonType": "object", **ADDRESS}},
        "alternatives": {"bsonType": "array", "items": {"bsonType": ["int", "long"], **INT32}},
        # The microseconds of "updated" below the millisecond, kept by the core.
        "__djongo_us__updated": {},
    },
}}


def options(table):
    return connection.mongo_database[table].options()


@pytest.mark.usefixtures("db")
def test_migrate_gives_the_product_collection_its_reviewed_validator():
    found = options("validation_testapp_product")
    assert found["validator"] == PRODUCT
    assert found["validationLevel"] == "strict"
    assert found["validationAction"] == "error"


@pytest.mark.usefixtures("db")
def test_a_declared_schema_validation_sets_level_and_refuses_unknown_keys():
    assert options("validation_testapp_shipment") == {
        "validator": {"$jsonSchema": {
            "bsonType": "object",
            "required": ["note", "product_id", "quantity"],
            "properties": {
                "_id": {"bsonType": "objectId"},
                "quantity": {"bsonType": ["int", "long"], **INT32},
                "note": {"bsonType": "string", "maxLength": 20},
                "product_id": {"bsonType": ["int", "long"]},
            },
            "additionalProperties": False,
        }},
        "validationLevel": "moderate",
        "validationAction": "error",
    }


@pytest.mark.usefixtures("db")
def test_a_model_that_opts_out_gets_no_validator():
    assert options("validation_testapp_unchecked") == {}


@isolate_apps("validation_testapp")
def test_choices_min_length_and_decimal_limits():
    from decimal import Decimal

    from bson import Decimal128
    from django.core.validators import MinLengthValidator

    class Thing(models.Model):
        level = models.IntegerField(choices=[(1, "low"), (2, "high")], null=True)
        code = models.CharField(max_length=9, validators=[MinLengthValidator(3)])
        amount = models.DecimalField(max_digits=5, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0.01"))])

        class Meta:
            app_label = "validation_testapp"

    schema = collection_schema(connection, Thing)
    assert schema["properties"]["level"] == {
        "bsonType": ["int", "long", "null"], **INT32, "enum": [1, 2, None]}
    assert schema["properties"]["code"] == {
        "bsonType": "string", "maxLength": 9, "anyOf": [{"maxLength": 0}, {"minLength": 3}]}
    assert schema["properties"]["amount"] == {
        "bsonType": "decimal", "minimum": Decimal128("0.01")}


@isolate_apps("validation_testapp")
def test_a_field_stored_as_an_object_must_hold_a_subdocument():
    class ObjectField(models.Field):
        """Stores a subdocument, as djongo_geo's GeoJSON fields do."""

        def db_type(self, connection):
            return "object"

    class Shape(models.Model):
        outline = ObjectField()
        area = ObjectField(null=True)
        anything = models.JSONField()

        class Meta:
            app_label = "validation_testapp"

    properties = collection_schema(connection, Shape)["properties"]
    assert properties["outline"] == {"bsonType": "object"}
    assert properties["area"] == {"bsonType": ["object", "null"]}
    assert properties["anything"] == {}
    assert not [error for error in _model_errors(Shape)
                if error.id == "djongo_schema_validation.W001"]


def test_regexes_become_pcre_patterns_or_nothing():
    import re

    assert regex_pattern(RegexValidator(r"^a\Z")) == rf"^a{END}"
    assert regex_pattern(RegexValidator(r"^a\\Z")) == r"^a\\Z"  # an escaped backslash, then Z
    assert regex_pattern(RegexValidator(r"^a", flags=re.IGNORECASE)) == "(?i)^a"
    assert regex_pattern(RegexValidator(r"^a", inverse_match=True)) is None
    assert regex_pattern(RegexValidator(r"^a", flags=re.ASCII)) is None
    from django.core.validators import URLValidator

    assert regex_pattern(URLValidator()) is None  # it checks more than its regex


@isolate_apps("validation_testapp")
def test_a_stored_generated_field_is_a_known_key_not_required_and_a_virtual_one_no_key():
    class Box(models.Model):
        width = models.IntegerField()
        area = models.GeneratedField(expression=models.F("width") * 2, db_persist=True,
                                     output_field=models.IntegerField())
        half = models.GeneratedField(expression=models.F("width") / 2, db_persist=False,
                                     output_field=models.IntegerField())

        class Meta:
            app_label = "validation_testapp"

    schema = collection_schema(connection, Box, additional_properties=False)
    assert schema["required"] == ["width"]
    assert schema["properties"]["area"] == {}
    assert "half" not in schema["properties"]
    assert schema["additionalProperties"] is False
