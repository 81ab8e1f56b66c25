"""TailableQuerySet and TailableManager: tail(), atail() and watch() on a model's QuerySets."""

from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, connections, models

from djongo_tailable.changes import watch_queryset
from djongo_tailable.tailing import tail_queryset, tail_queryset_async


def _require_plugin(queryset, method):
    connection = connections[queryset.db]
    label = queryset.model._meta.label
    if connection.vendor != "mongodb":
        raise NotSupportedError(
            f"{label}.objects.{method}() reads MongoDB cursors, but database "
            f"{connection.alias!r} is {connection.display_name}."
        )
    if "tailable" not in (connection.settings_dict.get("PLUGINS") or []):
        raise ImproperlyConfigured(
            f"{label}.objects.{method}() needs the tailable plugin: add \"tailable\" to "
            f"DATABASES[{connection.alias!r}]['PLUGINS']."
        )


class TailableQuerySet(models.QuerySet):
    def tail(self, *, start="now", await_ms=1000, timeout=None, stop=None, batch_size=None,
             reconnect_tries=5):
        """Yield the instances this QuerySet matches in insertion order, waiting for new ones.

        start: "now" (only documents inserted from now on) or "beginning" (every stored one
        first). await_ms: how long each round waits on the server for new documents.
        timeout: seconds without a new instance after which the iteration ends (None: never).
        stop: a threading.Event that ends the iteration within one round once set.
        reconnect_tries: cursor losses in a row (a server restart) survived before raising.
        """
        _require_plugin(self, "tail")
        return tail_queryset(self, start=start, await_ms=await_ms, timeout=timeout, stop=stop,
                             batch_size=batch_size, reconnect_tries=reconnect_tries)

    def atail(self, *, start="now", await_ms=1000, timeout=None, stop=None, batch_size=None,
              reconnect_tries=5):
        """tail() for async code: ``async for entry in LogEntry.objects.atail(): ...``."""
        _require_plugin(self, "atail")
        return tail_queryset_async(self, start=start, await_ms=await_ms, timeout=timeout,
                                   stop=stop, batch_size=batch_size,
                                   reconnect_tries=reconnect_tries)

    def watch(self, *, full_document=None, full_document_before_change=None, resume_after=None,
              start_after=None, start_at_operation_time=None, operations=None, await_ms=1000,
              timeout=None, stop=None, batch_size=None):
        """Yield the changes to the documents this QuerySet matches, as Change objects."""
        _require_plugin(self, "watch")
        return watch_queryset(
            self, full_document=full_document,
            full_document_before_change=full_document_before_change, resume_after=resume_after,
            start_after=start_after, start_at_operation_time=start_at_operation_time,
            operations=operations, await_ms=await_ms, timeout=timeout, stop=stop,
            batch_size=batch_size)


class TailableManager(models.Manager.from_queryset(TailableQuerySet)):
    """A manager whose QuerySets tail() (capped models), atail() and watch()."""
