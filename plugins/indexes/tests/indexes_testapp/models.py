from django.db import models
from django.db.models import Q

from djongo_indexes import (
    CompoundIndex,
    HashedIndex,
    TextIndex,
    TTLIndex,
    TwoDSphereIndex,
    WildcardIndex,
)


class Article(models.Model):
    """Text search: a weighted text index with a per-document language."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    language = models.CharField(max_length=20, default="english")
    section = models.CharField(max_length=20, default="news")
    views = models.IntegerField(default=0)

    class Meta:
        indexes = [
            TextIndex(fields=["title", "body"], weights={"title": 10, "body": 2},
                      default_language="english", language_override="language",
                      name="article_text"),
            WildcardIndex(name="article_everything",
                          wildcard_projection={"title": 1, "section": 1}),
        ]


class Note(models.Model):
    """A model without a text index."""

    text = models.TextField()


class Place(models.Model):
    """Every index kind on one collection."""

    name = models.CharField(max_length=100)
    description = models.TextField(default="")
    location = models.JSONField(null=True)
    category = models.CharField(max_length=50)
    rank = models.IntegerField(default=0)
    owner_code = models.CharField(max_length=50, default="")
    created = models.DateTimeField(null=True)
    attributes = models.JSONField(default=dict)

    class Meta:
        indexes = [
            TextIndex(fields=["name", "description"], weights={"name": 5},
                      name="place_text"),
            TwoDSphereIndex(fields=["location"], name="place_location"),
            CompoundIndex(fields=["category", "-rank"], unique=True,
                          collation={"locale": "en", "strength": 2},
                          condition=Q(rank__gt=0), name="place_category_rank"),
            CompoundIndex(fields=["owner_code"], sparse=True, name="place_owner_sparse"),
            HashedIndex(fields=["owner_code"], name="place_owner_hash"),
            TTLIndex(fields=["created"], expire_after=3600, name="place_expiry"),
            WildcardIndex(fields=["attributes"], name="place_attributes"),
        ]
