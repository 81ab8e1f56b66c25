"""`manage.py migrate`, with a progress bar while a migration fills or converts many documents.

Django prints "  Applying app.0002_x..." and leaves the line open until " OK". When a bar is
drawn meanwhile, it goes on a line of its own below, and the migration's name is repeated before
" OK", so that no line is overwritten.
"""

from django.core.management.commands import migrate
from django.db import connections

from djongo_core.progress import ProgressBar, reporting


class Command(migrate.Command):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "mongodb" or options["verbosity"] < 1:
            return super().handle(*args, **options)
        self._open_line = None
        with reporting(connection, ProgressBar(self.stdout, before_first=self._end_open_line)):
            return super().handle(*args, **options)

    def migration_progress_callback(self, action, migration=None, fake=False):
        if action in ("apply_start", "unapply_start"):
            verb = "Applying" if action == "apply_start" else "Unapplying"
            self._open_line = f"  {verb} {migration}..."
            self._reopen = False
        elif action in ("apply_success", "unapply_success") and self._reopen:
            self.stdout.write(self._open_line, ending="")
        super().migration_progress_callback(action, migration, fake)
        if action in ("apply_success", "unapply_success"):
            self._open_line = None

    def _end_open_line(self):
        if getattr(self, "_open_line", None) is not None:
            self.stdout.write("")
            self._reopen = True
