"""manage.py checkintegrity [app[.Model] ...]: list ForeignKey values naming no document, per
relation; exit status 1 when there are any."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from djongo_schema_validation.integrity import checked_relations, dangling_references
from djongo_schema_validation.management.commands._targets import named_models
from djongo_schema_validation.settings import is_enabled


class Command(BaseCommand):
    help = ("List dangling references (ForeignKey values whose target does not exist) per "
            "relation; exit status 1 when there are any.")

    def add_arguments(self, parser):
        parser.add_argument("labels", nargs="*", metavar="app_label[.ModelName]")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--limit", type=int, default=100,
                            help="References listed per relation (default 100; 0: all).")

    def handle(self, *args, labels, database, limit, **options):
        connection = connections[database]
        if not is_enabled(connection):
            raise CommandError(f"Database {database!r} does not enable the schema_validation "
                               "plugin; add 'schema_validation' to its PLUGINS.")
        existing = set(connection.introspection.table_names())
        total = 0
        for model in named_models(labels):
            if not model._meta.managed or model._meta.db_table not in existing:
                continue
            for field in checked_relations(model):
                found = dangling_references(connection, model, field, limit=limit or None)
                if not found:
                    continue
                total += len(found)
                target = field.related_model._meta.label
                self.stdout.write(f"{model._meta.label}.{field.name} -> {target}: "
                                  f"{len(found)} dangling reference(s)")
                for pk, value in found:
                    self.stdout.write(f"  _id {pk!r}: {field.column} = {value!r} (no {target})")
        if total:
            self.stderr.write(f"{total} dangling reference(s). Restore the missing targets, or "
                              "fix or clear the references.")
            raise SystemExit(1)
        self.stdout.write("Every reference names an existing document.")
