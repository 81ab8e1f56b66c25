"""manage.py validatedb [app[.Model] ...]: list the stored documents that break their
collection's generated validator, with the reasons; exit status 1 when there are any.

For CI, after adopting a database, or before tightening a model: the documents are found by the
server ({"$nor": [{"$jsonSchema": ...}]}), the reasons by the plugin's reading of the same schema.
"""

from django.core.management.base import BaseCommand

from djongo_core.plugins import Command as MongoCommand
from djongo_schema_validation.evaluation import described, violations
from djongo_schema_validation.generator import collection_schema
from djongo_schema_validation.management.commands._targets import (
    add_report_arguments, named_models, report_connection,
)
from djongo_schema_validation.settings import model_validation


class Command(BaseCommand):
    help = ("List stored documents that do not conform to their model's validator; exit "
            "status 1 when there are any.")

    def add_arguments(self, parser):
        add_report_arguments(parser, "Documents listed per model")

    def handle(self, *args, labels, database, limit, **options):
        connection, existing = report_connection(database)
        total = 0
        for model in named_models(labels):
            validation = model_validation(connection, model)
            if validation is None or model._meta.db_table not in existing:
                continue
            schema = collection_schema(connection, model, validation.additional_properties)
            selector = {"$nor": [{"$jsonSchema": schema}]}
            table = model._meta.db_table
            count = connection.executor.run(
                MongoCommand(table, "count_documents", (selector,), model=model))
            if not count:
                continue
            total += count
            self.stdout.write(f"{model._meta.label} ({table}): {count} document(s) do not "
                              "conform")
            kwargs = {"sort": [("_id", 1)]}
            if limit:
                kwargs["limit"] = limit
            for document in connection.executor.documents(
                    MongoCommand(table, "find", (selector,), kwargs, model=model)):
                reasons = "; ".join(described(model, v)[1] for v in violations(schema, document))
                self.stdout.write(f"  _id {document['_id']!r}: "
                                  f"{reasons or 'rejected by the server'}")
        if total:
            self.stderr.write(f"{total} non-conforming document(s). Fix them, or declare "
                              "SchemaValidation(level=\"moderate\") for the models that must "
                              "keep them.")
            raise SystemExit(1)
        self.stdout.write("Every document conforms to its model's validator.")
