"""manage.py tail app.Model [--filter field=value ...]: print a capped model's new documents."""

import json
import threading

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.exceptions import FieldError, ValidationError
from django.db import DEFAULT_DB_ALIAS, NotSupportedError

from djongo_tailable.queryset import TailableQuerySet


class Command(BaseCommand):
    help = ("Print the documents of a capped model as they are inserted (tail -f for a model). "
            "Stop with Ctrl-C.")

    def add_arguments(self, parser):
        parser.add_argument("model", help="app_label.ModelName of a model with a CappedCollection")
        parser.add_argument("--filter", action="append", default=[], metavar="FIELD=VALUE",
                            help="Only documents where FIELD (a Django lookup such as "
                                 "level or total__gte) equals VALUE; repeatable.")
        parser.add_argument("--from-beginning", action="store_true",
                            help="Print the stored documents first, then the new ones.")
        parser.add_argument("--format", choices=("json", "str"), default="json")
        parser.add_argument("--timeout", type=float, default=None,
                            help="Stop after this many seconds without a new document.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        try:
            model = apps.get_model(options["model"])
        except (LookupError, ValueError) as error:
            raise CommandError(f"{options['model']!r} is not a model: {error}") from error
        lookups = {}
        for item in options["filter"]:
            field, sep, value = item.partition("=")
            if not sep or not field:
                raise CommandError(f"--filter takes FIELD=VALUE, not {item!r}.")
            lookups[field] = value
        try:
            queryset = TailableQuerySet(model=model, using=options["database"]).filter(**lookups)
        except (FieldError, ValidationError, ValueError) as error:
            raise CommandError(f"--filter on {model._meta.label}: {error}") from error
        stop = threading.Event()
        try:
            for instance in queryset.tail(start="beginning" if options["from_beginning"] else "now",
                                          timeout=options["timeout"], stop=stop):
                self.stdout.write(self._render(instance, options["format"]))
                self.stdout.flush()
        except NotSupportedError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            stop.set()

    @staticmethod
    def _render(instance, format):
        if format == "str":
            return str(instance)
        # Every stored field, not model_to_dict()'s editable ones: a log's auto_now_add
        # timestamp is what a tail is read for.
        data = {"pk": instance.pk, **{field.name: field.value_from_object(instance)
                                      for field in instance._meta.concrete_fields}}
        return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True)
