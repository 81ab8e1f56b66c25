"""Models for the MongoDB-native fields' tests: embedded documents, arrays and references."""

from django.db import models

from djongo_core.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedModelArrayField,
    EmbeddedModelField,
    ObjectIdAutoField,
)


class Address(models.Model):
    city = models.CharField(max_length=50)
    zip_code = models.CharField(max_length=10, blank=True)

    class Meta:
        managed = False


class Profile(models.Model):
    name = models.CharField(max_length=50)
    email = models.EmailField(blank=True)
    born = models.DateField(null=True, blank=True)
    address = EmbeddedModelField(Address, null=True, blank=True)

    class Meta:
        managed = False


class Comment(models.Model):
    author = models.CharField(max_length=50)
    text = models.TextField()
    votes = models.IntegerField(default=0)
    posted = models.DateTimeField(null=True, blank=True)

    class Meta:
        managed = False


class Label(models.Model):
    name = models.CharField(max_length=30)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Post(models.Model):
    title = models.CharField(max_length=100)
    author = EmbeddedModelField(Profile, null=True, blank=True)
    comments = EmbeddedModelArrayField(Comment, blank=True, default=list)
    tags = ArrayField(models.CharField(max_length=20), size=5, blank=True, default=list)
    scores = ArrayField(models.IntegerField(), null=True, blank=True)
    matrix = ArrayField(ArrayField(models.IntegerField()), null=True, blank=True)
    labels = ArrayReferenceField(Label, blank=True)
    extra = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class Document(models.Model):
    id = ObjectIdAutoField(primary_key=True)
    name = models.CharField(max_length=50)
    parent = models.ForeignKey("self", models.SET_NULL, null=True, blank=True)
