"""`manage.py inspectdb` for MongoDB: Django's command, with a sample size and the imports the
generated models need (ObjectId keys use djongo_core.fields)."""

from django.core.management.base import CommandError
from django.core.management.commands import inspectdb
from django.db import connections

from djongo_core.sampling import DEFAULT_SAMPLE_SIZE

_IMPORT = "from django.db import models"


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
        try:
            lines = list(super().handle_inspection(options))
        finally:
            del introspection.sample_size  # back to the class default
        needs_fields = any("djongo_core.fields." in line for line in lines)
        for line in lines:
            yield line
            if needs_fields and line == _IMPORT:
                yield "import djongo_core.fields"

    def get_field_type(self, connection, table_name, row):
        field_type, params, notes = super().get_field_type(connection, table_name, row)
        if row.type_code == "mixed":
            notes.append("Values of several types (or only nulls) were found; JSONField holds "
                         "them all.")
        return field_type, params, notes
