"""What inspectdb writes for the native fields of djongo_core.fields.

Migrations record a native field's type in `__schema__` but not what its constructor needs: an
array's item field, an embedded model and its fields. Those are read from the stored values
instead, as inspectdb reads a collection Django did not create: the items of the arrays and the
keys of the subdocuments, in a sample of the documents. Each embedded document becomes an
embedded model class of its own (`managed = False`), named after the model and the field.
A field with no stored value to read is written as JSONField, which reads and writes the same
arrays and subdocuments.
"""

import re

from djongo_core.command import Command
from djongo_core.sampling import SeenField

FIELDS = "djongo_core.fields."


class Shape:
    """What a sample of values holds: their type, and the shapes of their items and keys."""

    def __init__(self):
        self.seen = SeenField()
        self.items = None  # Shape of the items, once an array was seen
        self.keys = {}  # key -> Shape of its values, over the subdocuments seen
        self.documents = 0  # how many subdocuments were seen
        self.present = 0  # in how many of its parent's subdocuments this key was
        self.empty_strings = False

    @classmethod
    def of(cls, values):
        shape = cls()
        for value in values:
            shape.add(value)
        return shape

    def add(self, value):
        self.seen.add(value)
        self.empty_strings |= value == ""
        if isinstance(value, list):
            self.items = self.items or Shape()
            for item in value:
                self.items.add(item)
        elif isinstance(value, dict):
            self.documents += 1
            for key, item in value.items():
                shape = self.keys.setdefault(key, Shape())
                shape.present += 1
                shape.add(item)

    @property
    def kind(self):
        return self.seen.type_code


class Code(str):
    """Python source text that inspectdb writes as it is (it writes parameters with %r)."""

    def __repr__(self):
        return str(self)


class NativeFieldWriter:
    """Write the declarations of native fields, and the embedded model classes they need."""

    def __init__(self, command, connection, sample_size):
        self.command = command
        self.connection = connection
        self.sample_size = sample_size
        self.class_lines = []  # the embedded model classes, written after the models
        self.class_names = set()

    def declared_field(self, declared_type, table_name, column):
        """Return (field type, parameters, notes) for a native field the migrations declared.

        Returns None when nothing stored tells what the field holds.
        """
        documents = self.connection.executor.documents(Command(
            table_name, "find", ({column: {"$exists": True}}, {column: 1, "_id": 0}),
            {"limit": self.sample_size, "sort": [("_id", 1)]}))
        shape = Shape.of(document.get(column) for document in documents)
        name = self.command.normalize_table_name(table_name) + _camel(column)
        items = shape.items
        if declared_type == "EmbeddedModelField" and shape.documents:
            return (FIELDS + "EmbeddedModelField",
                    {"embedded_model": self.embedded_class(name, shape)}, [])
        if declared_type == "EmbeddedModelArrayField" and items and items.documents:
            return (FIELDS + "EmbeddedModelArrayField",
                    {"embedded_model": self.embedded_class(name, items)}, [])
        if declared_type in ("ArrayField", "ArrayReferenceField") and items and (
                items.kind not in (None, "mixed", "object")):
            notes = []
            if declared_type == "ArrayReferenceField":
                notes.append("Written by djongo_core.fields.ArrayReferenceField: the keys of "
                             "another collection's documents (ArrayReferenceField(Model) "
                             "gives the objects).")
            return FIELDS + "ArrayField", {"base_field": Code(self.field_code(items, name))}, notes
        return None

    def field_code(self, shape, name, options=()):
        """Return the declaration of a field holding the values of ``shape``."""
        options = list(options)
        kind = shape.kind
        if kind == "object":
            embedded = self.embedded_class(name, shape)
            return f"{FIELDS}EmbeddedModelField({', '.join([repr(embedded), *options])})"
        if kind == "array":
            items = shape.items
            if items is not None and items.kind == "object":
                embedded = self.embedded_class(name, items)
                return (f"{FIELDS}EmbeddedModelArrayField("
                        f"{', '.join([repr(embedded), *options])})")
            if items is not None and items.kind not in (None, "mixed"):
                return (f"{FIELDS}ArrayField("
                        f"{', '.join([self.field_code(items, name), *options])})")
            return f"models.JSONField({', '.join(options)})"
        field_type = self.connection.introspection.data_types_reverse.get(kind, "JSONField")
        if field_type == "DecimalField":
            options = [f"max_digits={shape.seen.precision}",
                       f"decimal_places={shape.seen.scale}", *options]
        path = field_type if "." in field_type else "models." + field_type
        return f"{path}({', '.join(options)})"

    def embedded_class(self, name, shape):
        """Write the embedded model class of the subdocuments of ``shape``; return its name."""
        unique, number = name, 1
        while unique in self.class_names:
            number += 1
            unique = f"{name}{number}"
        self.class_names.add(unique)
        lines = ["", "", f"class {unique}(models.Model):"]
        # An embedded model has an automatic "id" (never stored): a key "id" is renamed.
        used = ["id"]
        for key, inner in shape.keys.items():
            attname, params, notes = self.command.normalize_col_name(key, used, False)
            used.append(attname)
            options = [f"{option}={value!r}" for option, value in params.items()]
            if inner.seen.nullable or inner.present < shape.documents:
                options += ["blank=True", "null=True"]
            elif inner.empty_strings:
                options.append("blank=True")
            declaration = self.field_code(inner, unique + _camel(attname), options)
            comment = f"  # {' '.join(notes)}" if notes else ""
            lines.append(f"    {attname} = {declaration}{comment}")
        lines += ["", "    class Meta:", "        managed = False"]
        self.class_lines.extend(lines)
        return unique


def _camel(name):
    return "".join(part.title() for part in re.split(r"[^a-zA-Z0-9]+", name) if part)
