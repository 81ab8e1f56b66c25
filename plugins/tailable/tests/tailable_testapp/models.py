from django.db import models
from django.db.models.functions import Lower

from djongo_tailable import CappedCollection, TailableManager


class LogEntry(models.Model):
    """A capped log: at most 5 entries (and 4 KiB)."""

    level = models.CharField(max_length=10, default="INFO")
    message = models.TextField()
    # Not editable (auto_now_add): `manage.py tail` prints it all the same.
    at = models.DateTimeField(auto_now_add=True, null=True)

    objects = TailableManager()

    class Meta:
        constraints = [CappedCollection(size=4096, max=5, name="log_capped")]


class Order(models.Model):
    """A plain collection: watch() works on any model."""

    status = models.CharField(max_length=20, default="new")
    total = models.IntegerField(default=0)

    objects = TailableManager()


class Event(models.Model):
    """Created plain by its first migration, capped by the second."""

    name = models.CharField(max_length=50)

    objects = TailableManager()

    class Meta:
        indexes = [models.Index(fields=["name"], name="event_name")]
        constraints = [CappedCollection(size=8192, max=3, name="event_capped")]


class Customer(models.Model):
    """Unique by e-mail whatever the case: the backend keeps a hidden key for the index."""

    email = models.CharField(max_length=100)

    objects = TailableManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="customer_email_ci")]
