"""manage.py showschema app.Model: print the validator the plugin gives the model's collection."""

from bson import json_util
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from djongo_schema_validation.generator import collection_schema
from djongo_schema_validation.management.commands._targets import named_models
from djongo_schema_validation.settings import is_enabled, model_validation

_JSON = json_util.JSONOptions(json_mode=json_util.JSONMode.RELAXED)


class Command(BaseCommand):
    help = "Print the $jsonSchema validator generated for each named model (app or app.Model)."

    def add_arguments(self, parser):
        parser.add_argument("labels", nargs="+", metavar="app_label[.ModelName]")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, labels, database, **options):
        connection = connections[database]
        if not is_enabled(connection):
            raise CommandError(f"Database {database!r} does not enable the schema_validation "
                               "plugin; add 'schema_validation' to its PLUGINS.")
        for model in named_models(labels):
            validation = model_validation(connection, model)
            if validation is None:
                if "." in " ".join(labels):
                    self.stdout.write(f"// {model._meta.label}: no validator (opted out, not "
                                      "declared, or no collection of its own)")
                continue
            schema = collection_schema(connection, model, validation.additional_properties)
            self.stdout.write(
                f"// {model._meta.label}: collection {model._meta.db_table!r}, validationLevel "
                f"{validation.level!r}, validationAction {validation.action!r}")
            self.stdout.write(json_util.dumps({"$jsonSchema": schema}, indent=2,
                                              json_options=_JSON))
