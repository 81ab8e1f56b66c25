"""The benchmark's models: the same classes for every ORM client.

The primary key type is the one thing that differs: it comes from DEFAULT_AUTO_FIELD in the
client's settings (an integer AutoField for djongo-core, ObjectIdAutoField for
django-mongodb-backend, which refuses integer AutoFields). Rows are picked by `serial` rather
than by key, so that every client selects exactly the same documents.
"""

from django.db import models

from bench.workload.spec import GENRES


class Publisher(models.Model):
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2)

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100)
    age = models.IntegerField()
    publisher = models.ForeignKey(Publisher, models.CASCADE)

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self):
        return self.name


class Book(models.Model):
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
