"""`manage.py schemadrift`: how far stored documents are from their models (djongo_core/drift.py)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from djongo_core import adoption, drift
from djongo_core.command import Command as MongoCommand


class Command(BaseCommand):
    help = (
        "Report, per collection, the documents that lack a field's key, hold a value of another "
        "type than the field stores, or carry keys no field names: what a migration must deal "
        "with before a flexible-schema prototype is made strict. Reads only."
    )

    def add_arguments(self, parser):
        parser.add_argument("app_label", nargs="*",
                            help="Only these apps' models (default: every installed app).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help='The database to measure (default: "default").')
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="Print the report as JSON, one object per collection.")
        parser.add_argument("--check", action="store_true",
                            help="Exit with status 1 when any collection drifted.")

    def handle(self, *, app_label, database, as_json, check, **options):
        connection = connections[database]
        if connection.vendor != "mongodb":
            raise CommandError(f"Database {database!r} is not a djongo_core (MongoDB) database.")
        try:
            models = adoption.adoption_models(connection, app_label)
        except LookupError as error:
            raise CommandError(str(error)) from error
        collections = set(connection.executor.run(MongoCommand(None, "list_collection_names")))
        reports = [drift.measure(connection, model) for model in models
                   if model._meta.db_table in collections]
        if as_json:
            self.stdout.write(json.dumps([report.as_dict() for report in reports], indent=2))
        else:
            for report in reports:
                self._write(report)
        if check and any(report.drifted for report in reports):
            sys.exit(1)

    def _write(self, report):
        title = (f"{report.label} (collection {report.collection!r}, "
                 f"{report.documents} document{'s' * (report.documents != 1)})")
        if not report.drifted:
            self.stdout.write(f"{title}: no drift")
            return
        self.stdout.write(self.style.WARNING(title))
        for key, count in report.missing.items():
            self.stdout.write(f"  missing field  {key}: in {count}")
        for key, types in report.wrong_types.items():
            found = ", ".join(f"{kind} in {count}" for kind, count in types.items())
            expected = " or ".join(report.expected[key])
            self.stdout.write(f"  wrong type     {key}: {found} (the field stores {expected})")
        for key, count in report.unknown.items():
            self.stdout.write(f"  unknown key    {key}: in {count}")

