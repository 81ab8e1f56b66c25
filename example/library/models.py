from django.db import models

from djongo_core.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedModelArrayField,
    EmbeddedModelField,
)


class Author(models.Model):
    name = models.CharField(max_length=100)
    born = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Genre(models.Model):
    name = models.CharField(max_length=50, unique=True)

    def __str__(self):
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")
    genres = models.ManyToManyField(Genre, blank=True, related_name="books")
    published = models.DateField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    in_print = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


# -- Articles: MongoDB documents with nested data (djongo_core.fields) -------------------------
# The embedded models have no collection of their own (managed = False): an article's document
# holds its byline and its comments.


class Byline(models.Model):
    """Who wrote an article: stored inside the article's document."""

    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    bio = models.TextField(blank=True)

    class Meta:
        managed = False

    def __str__(self):
        return self.name


class Comment(models.Model):
    """A reader's comment: the article's document holds the list of them."""

    author = models.CharField(max_length=100)
    text = models.TextField()
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        managed = False

    def __str__(self):
        return f"{self.author}: {self.text[:30]}"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published = models.DateField(null=True, blank=True)
    byline = EmbeddedModelField(Byline)
    tags = ArrayField(models.CharField(max_length=30), size=10, blank=True, default=list)
    comments = EmbeddedModelArrayField(Comment, blank=True, default=list)
    books = ArrayReferenceField(Book, blank=True, help_text="Books the article is about.")

    class Meta:
        ordering = ["-published", "title"]

    def __str__(self):
        return self.title


def gridfs_storage():
    """Where attachments are kept: the GridFS bucket of the database (STORAGES["gridfs"])."""
    from django.core.files.storage import storages

    return storages["gridfs"]


class Attachment(models.Model):
    """A file uploaded in the admin and stored in MongoDB's GridFS, served at /media/."""

    title = models.CharField(max_length=100)
    file = models.FileField(storage=gridfs_storage, upload_to="attachments/")
    book = models.ForeignKey(Book, models.SET_NULL, null=True, blank=True,
                             related_name="attachments")

    def __str__(self):
        return self.title
