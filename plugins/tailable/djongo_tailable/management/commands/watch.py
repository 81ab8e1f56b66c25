"""manage.py watch app.Model [...]: send change_received for every change to the models.

Run it as a worker next to the web processes. Changes made by any program (the ORM, pymongo,
mongosh, another service) are read from MongoDB's change stream and sent as the
djongo_tailable.signals.change_received signal, in the order MongoDB reports them.

Delivery: at least once, in order, per model. With --token-file the resume token of a change is
saved after every receiver has returned, and a restarted worker resumes after it: a change whose
receivers were interrupted (a crash, a kill) is sent again, none is skipped as long as the
oplog still holds it (a worker down longer than the oplog window fails to resume, saying so).
Without --token-file a restarted worker starts from "now". A receiver that raises stops the
worker, with the token of the failed change not saved.
"""

import threading
from pathlib import Path

from bson import json_util
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, NotSupportedError

from djongo_tailable.queryset import TailableQuerySet
from djongo_tailable.signals import change_received


class Command(BaseCommand):
    help = ("Send djongo_tailable.signals.change_received for every change to the models "
            "(a worker; stop with Ctrl-C).")

    def add_arguments(self, parser):
        parser.add_argument("model", help="app_label.ModelName")
        parser.add_argument("--token-file", type=Path, default=None,
                            help="Where to keep the resume token, to resume after a restart.")
        parser.add_argument("--full-document", default="updateLookup",
                            choices=("default", "updateLookup", "whenAvailable", "required"))
        parser.add_argument("--timeout", type=float, default=None,
                            help="Stop after this many seconds without a change.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        try:
            model = apps.get_model(options["model"])
        except (LookupError, ValueError) as error:
            raise CommandError(f"{options['model']!r} is not a model: {error}") from error
        token_file = options["token_file"]
        token = None
        if token_file is not None and token_file.exists():
            token = json_util.loads(token_file.read_text())
        queryset = TailableQuerySet(model=model, using=options["database"])
        stop = threading.Event()
        try:
            changes = queryset.watch(full_document=options["full_document"], resume_after=token,
                                     timeout=options["timeout"], stop=stop)
        except NotSupportedError as error:
            raise CommandError(str(error)) from error
        try:
            with changes:
                for change in changes:
                    change_received.send(sender=model, change=change)
                    if token_file is not None:
                        token_file.write_text(json_util.dumps(change.resume_token))
                    self.stdout.write(f"{change.operation} {model._meta.label} pk={change.pk!r}")
        except KeyboardInterrupt:
            stop.set()
