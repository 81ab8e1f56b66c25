"""`manage.py migrate`, with a progress bar while a migration fills a large collection."""

from django.core.management.commands import migrate
from django.db import connections

_WIDTH = 30


class Command(migrate.Command):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "mongodb" or options["verbosity"] < 1:
            return super().handle(*args, **options)
        connection.migration_progress = self.progress
        try:
            return super().handle(*args, **options)
        finally:
            del connection.migration_progress

    def progress(self, collection, field, done, total):
        """Draw one line of the bar (redrawn in place on a terminal)."""
        filled = _WIDTH * done // total
        bar = "#" * filled + " " * (_WIDTH - filled)
        line = f"  Filling {collection}.{field}: [{bar}] {done:,} of {total:,} documents"
        interactive = getattr(self.stdout, "isatty", lambda: False)()
        ending = "\n" if done == total or not interactive else "\r"
        self.stdout.write(line, ending=ending)
        self.stdout.flush()
