"""Why a document fails a validator, in words a person can act on.

Two sources give the same `Violation`s: MongoDB's error details (errInfo of a write refused with
code 121, walked by `from_error_details`), and the plugin's own reading of a generated schema
(evaluation.py), for full_clean() and the validatedb command. A violation's path starts at the
document's key; `describe` turns the key into the model's field name.
"""

import datetime
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from bson import Binary, Decimal128, ObjectId, Regex


@dataclass(frozen=True)
class Violation:
    path: tuple  # document keys and array indexes, from the top
    rule: str  # the schema keyword (or "$expr" for a CheckConstraint)
    text: str  # what is wrong, without the field's name: "must be decimal, got double 1.5"


def bson_type(value):
    """Return the BSON type name MongoDB reports for a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2 ** 31) <= value < 2 ** 31 else "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, (Decimal128, Decimal)):
        return "decimal"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime.datetime):
        return "date"
    if isinstance(value, ObjectId):
        return "objectId"
    if isinstance(value, (bytes, Binary, uuid.UUID)):
        return "binData"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, (re.Pattern, Regex)):
        return "regex"
    return type(value).__name__


def shown(value):
    """A value as a message shows it: short, and as the user wrote it."""
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40]) + "..."
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, (list, dict)):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_of(types):
    types = types if isinstance(types, list) else [types]
    return types[0] if len(types) == 1 else ", ".join(types[:-1]) + " or " + types[-1]


def rule_text(rule, specified, value, present=True):
    """The text of one failed keyword, for a value (present=False: the key is missing)."""
    if rule == "required":
        return "is required"
    if rule in ("bsonType", "type"):
        return f"must be {_one_of(specified)}, got {bson_type(value)} {shown(value)}"
    if rule == "maxLength":
        return f"must be at most {specified} characters, got {len(value)} ({shown(value)})"
    if rule == "minLength":
        return f"must be at least {specified} characters, got {len(value)} ({shown(value)})"
    if rule == "maximum":
        return f"must be at most {shown(specified)}, got {shown(value)}"
    if rule == "minimum":
        return f"must be at least {shown(specified)}, got {shown(value)}"
    if rule == "enum":
        choices = ", ".join(shown(choice) for choice in specified)
        return f"must be one of {choices}, got {shown(value)}"
    if rule == "pattern":
        return f"must match the pattern {specified}, got {shown(value)}"
    if rule == "maxItems":
        return f"must have at most {specified} items, got {len(value)}"
    if rule == "minItems":
        return f"must have at least {specified} items, got {len(value)}"
    if rule == "additionalProperties":
        return f"has keys the model does not know: {', '.join(map(str, value))}"
    return f"fails {rule} {shown(specified)} (value {shown(value)})"


def from_error_details(details, check_names=()):
    """Return the Violations of MongoDB's errInfo["details"] for a refused write.

    check_names: for each clause of the validator's $and, the name of the CheckConstraint it
    holds (None for the $jsonSchema clause)."""
    return list(_walk(details, (), list(check_names), None))


def _walk(node, path, check_names, clause):
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, path, check_names, clause)
        return
    if not isinstance(node, dict):
        return
    op = node.get("operatorName")
    if op in ("$and", "$or", "$nor") and "clausesNotSatisfied" in node:
        for failed in node["clausesNotSatisfied"]:
            yield from _walk(failed.get("details"), path, check_names, failed.get("index"))
    elif op == "$jsonSchema" and "schemaRulesNotSatisfied" in node:
        yield from _walk(node["schemaRulesNotSatisfied"], path, check_names, clause)
    elif op == "properties":
        for prop in node.get("propertiesNotSatisfied", []):
            yield from _walk(prop.get("details"), (*path, prop.get("propertyName")),
                             check_names, clause)
    elif op == "required":
        for key in node.get("missingProperties", []):
            yield Violation((*path, key), "required", "is required")
    elif op == "items":
        yield from _walk(node.get("details"), (*path, node.get("itemIndex")), check_names,
                         clause)
    elif op in ("anyOf", "allOf", "oneOf"):
        failed = node.get("schemasNotSatisfied") or []
        # The generator's only anyOf is "empty or at least minLength": the last one says why.
        if failed:
            yield from _walk(failed[-1].get("details"), path, check_names, clause)
    elif op == "additionalProperties":
        yield Violation(path, "additionalProperties",
                        rule_text("additionalProperties", False,
                                  node.get("additionalProperties", [])))
    elif op == "$expr":
        names = [name for name in check_names if name is not None]
        if clause is not None and clause < len(check_names):
            name = check_names[clause]
        else:
            name = names[0] if len(names) == 1 else None
        text = (f"violates CheckConstraint {name!r}" if name
                else "violates a CheckConstraint of the model")
        yield Violation(path, "$expr", text)
    elif op is not None:
        specified = (node.get("specifiedAs") or {}).get(op)
        if "consideredValue" in node and specified is not None:
            yield Violation(path, op, rule_text(op, specified, node["consideredValue"]))
        else:
            yield Violation(path, op, node.get("reason") or f"fails {op}")


def field_label(model, path):
    """Return the field a violation's path names, as a person reads it: `price`,
    `address.zip_code`, `tags[1]`; and the model field's name of its first key."""
    if not path:
        return None, "the document"
    by_key = {}
    for field in model._meta.concrete_fields:
        by_key["_id" if field.primary_key else field.column] = field
    first = by_key.get(path[0])
    name = first.name if first is not None else str(path[0])
    text, current = name, getattr(first, "embedded_model", None)
    for part in path[1:]:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        label = str(part)
        if current is not None and not isinstance(current, str):
            for field in current._meta.concrete_fields:
                if field.column == part:
                    label = field.name
                    current = getattr(field, "embedded_model", None)
                    break
        text += f".{label}"
    return (first.name if first is not None else None), text
