"""The generated schema applied in Python: to an unsaved instance (SchemaValidation.validate(),
so full_clean(), ModelForms and the admin show the server's rule before any write), to a stored
document (validatedb's reasons, the migration's refusal).

It reads only the keywords the generator emits (generator.py), with MongoDB's meaning: bsonType
first (a value of another type fails that alone), string keywords on strings, numeric ones on
numbers, enum compared as MongoDB compares values. tests/test_evaluation.py holds it to the
server's verdict on the same documents.
"""

import re
from decimal import Decimal

from bson import Decimal128

from djongo_schema_validation.generator import collection_schema, is_stored
from djongo_schema_validation.reasons import Violation, bson_type, field_label, rule_text
from djongo_core.plugins import stored_name

_NUMBERS = ("int", "long", "double", "decimal")


def violations(schema, value, path=()):
    """Return the Violations of a value (a document at the top) against a generated schema."""
    return list(_check(schema, value, path))


def _check(schema, value, path):
    types = schema.get("bsonType")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        if bson_type(value) not in types:
            yield Violation(path, "bsonType", rule_text("bsonType", schema["bsonType"], value))
            return
    kind = bson_type(value)
    if "enum" in schema and not any(_same(value, choice) for choice in schema["enum"]):
        yield Violation(path, "enum", rule_text("enum", schema["enum"], value))
    if kind == "string":
        yield from _string(schema, value, path)
    elif kind in _NUMBERS:
        number = _decimal(value)
        if "minimum" in schema and number < _decimal(schema["minimum"]):
            yield Violation(path, "minimum", rule_text("minimum", schema["minimum"], value))
        if "maximum" in schema and number > _decimal(schema["maximum"]):
            yield Violation(path, "maximum", rule_text("maximum", schema["maximum"], value))
    elif kind == "object":
        for key in schema.get("required", []):
            if key not in value:
                yield Violation((*path, key), "required", "is required")
        properties = schema.get("properties", {})
        for key, sub in properties.items():
            if key in value:
                yield from _check(sub, value[key], (*path, key))
        if schema.get("additionalProperties") is False:
            extra = [key for key in value if key not in properties]
            if extra:
                yield Violation(path, "additionalProperties",
                                rule_text("additionalProperties", False, extra))
    elif kind == "array":
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield Violation(path, "maxItems", rule_text("maxItems", schema["maxItems"], value))
        if "items" in schema:
            for index, item in enumerate(value):
                yield from _check(schema["items"], item, (*path, index))


def _string(schema, value, path):
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        yield Violation(path, "maxLength", rule_text("maxLength", schema["maxLength"], value))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        yield Violation(path, "pattern", rule_text("pattern", schema["pattern"], value))
    for option in schema.get("anyOf", []):
        if "minLength" in option and len(value) >= option["minLength"]:
            break
        if "maxLength" in option and len(value) <= option["maxLength"]:
            break
    else:
        if "anyOf" in schema:
            least = max(option.get("minLength", 0) for option in schema["anyOf"])
            yield Violation(path, "minLength", rule_text("minLength", least, value))


def _decimal(value):
    if isinstance(value, Decimal128):
        return value.to_decimal()
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _same(value, choice):
    """MongoDB's equality: numbers by value whatever their type, other types never equal."""
    kind, other = bson_type(value), bson_type(choice)
    if kind in _NUMBERS and other in _NUMBERS:
        return _decimal(value) == _decimal(choice)
    return kind == other and value == choice


def instance_document(connection, model, instance):
    """Return the document the core would store for an instance (keys it cannot compute yet,
    an unsaved automatic primary key, left out)."""
    document = {}
    for field in model._meta.local_concrete_fields:
        if not is_stored(field):
            continue
        value = getattr(instance, field.attname)
        if field.primary_key and value is None:
            continue
        try:
            document[stored_name(field)] = field.get_db_prep_save(value, connection)
        except Exception:
            continue  # clean_fields() reports a value the field cannot even convert
    return document


def described(model, violation, with_field=True):
    """Return (field name or None, "address.zip_code must match ...")."""
    name, label = field_label(model, violation.path)
    return name, (f"{label} {violation.text}" if with_field else violation.text)


def instance_violations(connection, model, instance, validation):
    """Return (field name, message) for each rule the instance's document breaks."""
    schema = collection_schema(connection, model, validation.additional_properties)
    document = instance_document(connection, model, instance)
    found = []
    for violation in violations(schema, document):
        if violation.rule == "required" and violation.path[-1] not in document:
            if len(violation.path) == 1:
                continue  # a key computed at save time (the primary key's counter)
        found.append(described(model, violation))
    return found
