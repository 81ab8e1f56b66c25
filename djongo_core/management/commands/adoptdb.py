"""`manage.py adoptdb`: make a database Django did not create safe to write through Django."""

from django.core.management.base import BaseCommand

from djongo_core import adoption
from djongo_core.management.model_selection import (
    add_model_selection_arguments,
    selected_models,
)
from djongo_core.progress import ProgressBar, reporting


class Command(BaseCommand):
    help = (
        "Create or repair the __schema__ counters (and field records) of every model with an "
        "integer auto key, so that new objects never get an id that is already stored, and "
        "move djongo 1.x's integer keys (stored beside an ObjectId _id) into _id. A counter is "
        "set to the highest id present and never lowered; running it twice changes nothing."
    )

    def add_arguments(self, parser):
        add_model_selection_arguments(parser, "adopt")
        parser.add_argument("--dry-run", action="store_true",
                            help="Print each change without making it.")

    def handle(self, *, app_label, database, dry_run, **options):
        connection, models = selected_models(app_label, database)
        with reporting(connection, ProgressBar(self.stderr)):
            changes = adoption.plan(connection, models)
        for change in changes:
            style = self.style.WARNING if change.action == "warning" else (
                self.style.SUCCESS if change.command is not None else str)
            self.stdout.write(style(change.describe(dry_run)))
        if not dry_run:
            adoption.apply(connection, changes)
        pending = sum(change.command is not None for change in changes)
        if not pending:
            self.stdout.write("Nothing to change.")
        elif dry_run:
            self.stdout.write(f"Dry run: {pending} change(s) not made.")
