"""manage.py checkintegrity [app[.Model] ...]: list ForeignKey values naming no document, per
relation; exit status 1 when there are any."""

from django.core.management.base import BaseCommand

from djongo_schema_validation.integrity import checked_relations, dangling_references
from djongo_schema_validation.management.commands._targets import (
    add_report_arguments, named_models, report_connection,
)


class Command(BaseCommand):
    help = ("List dangling references (ForeignKey values whose target does not exist) per "
            "relation; exit status 1 when there are any.")

    def add_arguments(self, parser):
        add_report_arguments(parser, "References listed per relation")

    def handle(self, *args, labels, database, limit, **options):
        connection, existing = report_connection(database)
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
