"""The benchmark's models: the same classes for every ORM client.

The primary key type is the one thing that differs: it comes from DEFAULT_AUTO_FIELD in the
client's settings (an integer AutoField for djongo-core, ObjectIdAutoField for
django-mongodb-backend, which refuses integer AutoFields), or, for djongo-core with ObjectId
keys, from Keyed below. Rows are picked by `serial` rather than by key, so that every client
selects exactly the same documents.
"""

from django.conf import settings
from django.db import models

from bench.workload.spec import GENRES


class Keyed(models.Model):
    if getattr(settings, "BENCH_OBJECTID_KEYS", False):
        from djongo_core.fields import ObjectIdAutoField

        id = ObjectIdAutoField(primary_key=True)

    class Meta:
        abstract = True


class Publisher(Keyed):
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2)

    def __str__(self):
        return self.name


class Author(Keyed):
    name = models.CharField(max_length=100)
    age = models.IntegerField()
    publisher = models.ForeignKey(Publisher, models.CASCADE)

    def __str__(self):
        return self.name


class Tag(Keyed):
    name = models.CharField(max_length=50)

    def __str__(self):
        return self.name


class Book(Keyed):
    serial = models.IntegerField()
    title = models.CharField(max_length=200)
    # Choices, so that the admin's genre filter lists them without a query.
    genre = models.CharField(max_length=20, choices=[(g, g) for g in GENRES])
    pages = models.IntegerField()
    rating = models.FloatField()
    published = models.DateField()
    author = models.ForeignKey(Author, models.CASCADE)
    tags = models.ManyToManyField(Tag)

    def __str__(self):
        return self.title
