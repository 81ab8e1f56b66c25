"""A model's $jsonSchema, generated from its fields as the core stores them.

Each concrete field becomes a property under the key it is stored at (`_id` for the primary key,
else its column), with the BSON types the core writes for it, `"null"` added when the field is
nullable. NOT NULL fields are `required` (the core writes every field of a document). Django's
own rules become keywords where MongoDB has one: max_length and MinLength/MaxLength validators
(maxLength, minLength), choices (enum), Min/MaxValueValidator and the backend's integer ranges,
hence the Positive* fields (minimum, maximum), plain RegexValidators (pattern), an ArrayField's
size (maxItems). Embedded models nest as objects with their own required and properties.

Only keywords MongoDB 7.0 accepts are emitted; never uniqueItems, a boolean exclusiveMinimum,
format, $ref, default or definitions.

Two rules follow Django's own: validators never see empty values ("" is where Django keeps "no
value" in a CharField, and its default), so pattern and minLength let "" through; and choices
are not checked on empty values either, so an enum of strings holds "" too.
"""

import re
from decimal import Decimal

from bson import Decimal128
from django.core import validators as django_validators

from djongo_core.plugins import hidden_keys, stored_name

#: The BSON types a stored value of each of the core's type names may have. pymongo writes a
#: Python int that fits 32 bits as "int" whatever the field, and drivers of other languages
#: write integral numbers as "int" (JavaScript) too: integer fields take both, a float field
#: also takes integers (Django reads them back as floats).
BSON_TYPES = {
    "int": ["int", "long"],
    "long": ["int", "long"],
    "double": ["double", "int", "long"],
    "decimal": ["decimal"],
    "string": ["string"],
    "bool": ["bool"],
    "date": ["date"],
    "objectId": ["objectId"],
    "binData": ["binData"],
    # A subdocument: what a field declaring this type stores (djongo_geo's GeoJSON fields).
    # JSONField, stored as "object" too, holds any JSON value and is left unconstrained.
    "object": ["object"],
}

#: TimeField values are stored as time.isoformat(): 13:05:00, or 13:05:00.250000.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{6})?$"

#: The end of the string, and nothing before a final newline (Python's \Z, PCRE's \z).
END = r"(?![\s\S])"

_REGEX_FLAGS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x"}


def collection_schema(connection, model, additional_properties=True):
    """Return the $jsonSchema of the model's documents."""
    pk = model._meta.pk
    fields = [field for field in model._meta.local_concrete_fields if is_stored(field)]
    if pk is not None and pk.concrete and pk not in fields and is_stored(pk):
        fields.insert(0, pk)
    schema = _object_schema(connection, [(stored_name(field), field) for field in fields],
                            additional_properties, nullable=False)
    # The keys the core keeps for indexes on expressions are computed by it, like a stored
    # GeneratedField: allowed, unconstrained and not required.
    schema["properties"].update(dict.fromkeys(hidden_keys(model), {}))
    return schema


def is_stored(field):
    """Whether the field is a key of the documents (a virtual GeneratedField is not; a stored
    one is computed by the core and left unconstrained)."""
    return field.concrete and not (_is_generated(field) and not field.db_persist)


def _is_generated(field):
    # Not get_internal_type(): a GeneratedField reports its output field's type.
    return getattr(field, "generated", False)


def embedded_keys(embedded_model):
    """The (key, field) pairs of an embedded model's subdocuments (no automatic primary key)."""
    return [(field.column, field) for field in embedded_model._meta.concrete_fields
            if not (field.primary_key and field.auto_created)]


def _object_schema(connection, keyed_fields, additional_properties, nullable):
    schema = {"bsonType": ["object", "null"] if nullable else "object"}
    # Sorted: a list compares in order, and a field moved in the model is no change to apply.
    # A stored GeneratedField is computed by the core on Django's writes; other writers cannot
    # compute it, so it is not required of them.
    required = sorted(key for key, field in keyed_fields
                      if not field.null and key != "_id" and not _is_generated(field))
    if required:
        schema["required"] = required
    schema["properties"] = {key: field_schema(connection, field, additional_properties)
                            for key, field in keyed_fields}
    if not additional_properties:
        schema["additionalProperties"] = False
    return schema


def field_schema(connection, field, additional_properties=True):
    """Return the schema of one field's stored value ({} when anything goes)."""
    internal = field.get_internal_type()
    if internal == "JSONField" or _is_generated(field):
        return {}
    if internal in ("EmbeddedModelField",):
        model = field.embedded_model
        if isinstance(model, str):  # not resolved: nothing known about it
            return {}
        return _object_schema(connection, embedded_keys(model), additional_properties,
                              nullable=field.null)
    db_type = field.db_type(connection)
    if db_type == "array":
        return _array_schema(connection, field, additional_properties)
    types = BSON_TYPES.get(db_type)
    if types is None:
        return {}  # a type the core does not know (checks.W001 says so)
    schema = {"bsonType": _types(types, field.null)}
    if internal == "TimeField":
        schema["pattern"] = TIME_PATTERN
    schema.update(_validator_keywords(connection, field, types))
    enum = _enum(connection, field, types)
    if enum is not None:
        schema["enum"] = enum
    return schema


def _types(types, nullable):
    types = [*types, "null"] if nullable else list(types)
    return types[0] if len(types) == 1 else types


def _array_schema(connection, field, additional_properties):
    schema = {"bsonType": _types(["array"], field.null)}
    base = getattr(field, "base_field", None)
    if base is not None:
        items = field_schema(connection, base, additional_properties)
        if items:
            schema["items"] = items
    size = getattr(field, "size", None)
    if isinstance(size, int):
        schema["maxItems"] = size
    return schema


def _validator_keywords(connection, field, types):
    keywords, non_empty = {}, {}
    numeric = any(t in ("int", "long", "double", "decimal") for t in types)
    for validator in field.validators:
        if numeric and isinstance(validator, (django_validators.MinValueValidator,
                                              django_validators.MaxValueValidator)):
            limit = _number(validator.limit_value, types)
            if limit is None:
                continue
            keyword = ("minimum" if isinstance(validator, django_validators.MinValueValidator)
                       else "maximum")
            if keyword in keywords:
                pick = max if keyword == "minimum" else min
                limit = pick(keywords[keyword], limit, key=_as_decimal)
            keywords[keyword] = limit
        elif types == ["string"]:
            if isinstance(validator, django_validators.MaxLengthValidator):
                limit = validator.limit_value
                if isinstance(limit, int):
                    keywords["maxLength"] = min(keywords.get("maxLength", limit), limit)
            elif isinstance(validator, django_validators.MinLengthValidator):
                limit = validator.limit_value
                if isinstance(limit, int) and limit > 0:
                    non_empty["minLength"] = max(non_empty.get("minLength", limit), limit)
            elif isinstance(validator, django_validators.RegexValidator):
                pattern = regex_pattern(validator)
                if pattern is not None and "pattern" not in non_empty:
                    non_empty["pattern"] = pattern
    if "pattern" in non_empty:
        # Validators never see "": let it match, as they do.
        keywords["pattern"] = f"^{END}|(?:{non_empty['pattern']})"
    if "minLength" in non_empty:
        keywords["anyOf"] = [{"maxLength": 0}, {"minLength": non_empty["minLength"]}]
    return keywords


def _number(limit, types):
    """Return a validator's limit as a number MongoDB compares exactly with the stored type."""
    if callable(limit) or isinstance(limit, bool):
        return None
    if types == ["decimal"]:
        if isinstance(limit, (int, float, Decimal)):
            return Decimal128(Decimal(str(limit)))
        return None
    if isinstance(limit, int):
        return limit if -(2 ** 63) <= limit < 2 ** 63 else None
    if isinstance(limit, float):
        return limit
    if isinstance(limit, Decimal):
        return int(limit) if limit == limit.to_integral_value() else float(limit)
    return None


def _as_decimal(value):
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(str(value))


def regex_pattern(validator):
    """Return a RegexValidator's regex as a PCRE pattern, or None when MongoDB cannot hold the
    same rule (an inverted match, flags PCRE has no inline form for, a subclass that checks
    more than its regex, like URLValidator)."""
    if validator.inverse_match:
        return None
    if type(validator).__call__ is not django_validators.RegexValidator.__call__:
        return None
    regex = validator.regex
    pattern = regex.pattern if hasattr(regex, "pattern") else str(regex)
    if not isinstance(pattern, str):
        return None
    flags = validator.flags or 0
    inline = ""
    for flag, letter in _REGEX_FLAGS.items():
        if flags & flag:
            inline += letter
            flags &= ~flag
    if flags & ~re.UNICODE:
        return None
    # Python's \Z is the very end of the string; PCRE's \Z also matches before a final
    # newline. PCRE's \z would do, but the embedded engine reads patterns with Python's re,
    # which has no \z: the lookahead below means the same to both.
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\Z", lambda m: m[1] + END, pattern)
    return f"(?{inline}){pattern}" if inline else pattern


def _enum(connection, field, types):
    if not field.choices:
        return None
    values = []
    for value, _label in field.flatchoices:
        if value is None or value == "":
            continue
        try:
            stored = field.get_db_prep_save(value, connection)
        except Exception:
            return None  # a choice the field cannot store: leave it to full_clean
        if stored not in values:
            values.append(stored)
    if types == ["string"]:
        values.append("")  # Django never checks choices on an empty value
    if field.null:
        values.append(None)
    return values
