"""`manage.py inspectdb` for MongoDB: Django's command, with a sample size and models that import.

Migrations record each field's Django type in `__schema__`, and Django's command writes
`models.<type>()` for it. The fields of djongo_core are not in `django.db.models`: they are
written as `djongo_core.fields.<type>`, with the import, and what their constructors need (an
array's item field, an embedded model) is read from the stored values (native_inspection.py).
"""

from django.core.management.base import CommandError
from django.core.management.commands import inspectdb
from django.db import connections, models

from djongo_core import fields
from djongo_core.native_inspection import NativeFieldWriter
from djongo_core.sampling import DEFAULT_SAMPLE_SIZE
from djongo_core.progress import ProgressBar, reporting

_IMPORT = "from django.db import models"
# Written after a field's name, as in "    tags = djongo_core.fields.ArrayField(...)".
_USES_FIELDS = " = djongo_core.fields."
# Native fields whose constructor needs more than their type, and what JSONField holds
# instead when no stored value says more.
_AS_JSON = {
    "ArrayField": "arrays",
    "EmbeddedModelField": "subdocuments (as dicts)",
    "EmbeddedModelArrayField": "arrays of subdocuments (as lists of dicts)",
    "ArrayReferenceField": "lists of keys",
}


class Command(inspectdb.Command):
    help = (
        "Write Django models for the collections of a MongoDB database, with each field's type "
        "and nullability inferred from a sample of its documents (and from the fields "
        "migrations recorded, for collections Django created)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--sample-size", type=int, default=DEFAULT_SAMPLE_SIZE,
            help="How many documents of each collection to read (default: %(default)s).",
        )

    def handle_inspection(self, options):
        connection = connections[options["database"]]
        introspection = connection.introspection
        if connection.vendor != "mongodb":
            yield from super().handle_inspection(options)
            return
        if options["sample_size"] < 1:
            raise CommandError("--sample-size must be a positive number of documents.")
        introspection.sample_size = options["sample_size"]
        self.native_fields = NativeFieldWriter(self, connection, options["sample_size"])
        # The models go to stdout (often a file); the progress of sampling to stderr.
        try:
            with reporting(connection, ProgressBar(self.stderr)):
                lines = list(super().handle_inspection(options))
        finally:
            del introspection.sample_size  # back to the class default
        lines += self.native_fields.class_lines
        needs_fields = any(_USES_FIELDS in line for line in lines)
        for line in lines:
            yield line
            if needs_fields and line == _IMPORT:
                yield "import djongo_core.fields"

    def get_field_type(self, connection, table_name, row):
        field_type, params, notes = super().get_field_type(connection, table_name, row)
        if connection.vendor != "mongodb":
            return field_type, params, notes
        if row.type_code == "mixed":
            notes.append("Values of several types (or only nulls) were found; JSONField holds "
                         "them all.")
        if field_type in _AS_JSON:
            native = self.native_fields.declared_field(field_type, table_name, row.name)
            if native is not None:
                native_type, native_params, native_notes = native
                return native_type, {**native_params, **params}, notes + native_notes
            notes.append(f"Written by djongo_core.fields.{field_type}; no stored value tells "
                         f"what it holds, and JSONField reads and writes the same "
                         f"{_AS_JSON[field_type]}.")
            return "JSONField", params, notes
        return self.importable_field_type(connection, field_type, row, notes), params, notes

    def importable_field_type(self, connection, field_type, row, notes):
        """Return a field type the generated module can import (notes say what was replaced)."""
        if "." in field_type or hasattr(models, field_type):
            return field_type
        if field_type in fields.__all__:
            return f"djongo_core.fields.{field_type}"
        # A third-party field recorded by its own type name: the stored values decide.
        stored_as = connection.introspection.data_types_reverse.get(
            row.type_code, "JSONField")
        notes.append(f"Written by a {field_type}, which is not a Django field; {stored_as} "
                     "reads its stored values.")
        return stored_as
