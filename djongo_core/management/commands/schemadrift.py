"""`manage.py schemadrift`: how far stored documents are from their models (djongo_core/drift.py)."""

import json
import sys

from django.core.management.base import BaseCommand

from djongo_core import drift
from djongo_core.command import Command as MongoCommand
from djongo_core.management.model_selection import (
    add_model_selection_arguments,
    selected_models,
)


class Command(BaseCommand):
    help = (
        "Report, per collection, the documents that lack a field's key, hold a value of another "
        "type than the field stores, or carry keys no field names: what a migration must deal "
        "with before a flexible-schema prototype is made strict. Reads only."
    )

    def add_arguments(self, parser):
        add_model_selection_arguments(parser, "measure")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="Print the report as JSON, one object per collection.")
        parser.add_argument("--check", action="store_true",
                            help="Exit with status 1 when any collection drifted.")

    def handle(self, *, app_label, database, as_json, check, **options):
        connection, models = selected_models(app_label, database)
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

