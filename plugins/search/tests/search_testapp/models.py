from django.db import models

from djongo_search import SearchIndex, VectorField, VectorSearchIndex


class Product(models.Model):
    """A product catalogue searched by words and by name prefix."""

    name = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=50)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    class Meta:
        indexes = [
            SearchIndex(fields=["name", "description", "category"], autocomplete=["name"],
                        name="product_search"),
        ]

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class Article(models.Model):
    """Articles with an embedding of their text, to find similar ones."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    topic = models.CharField(max_length=50)
    year = models.IntegerField()
    author = models.ForeignKey(Author, models.CASCADE, null=True)
    embedding = VectorField(dimensions=3)

    class Meta:
        indexes = [
            SearchIndex(fields=["title", "body", "topic"], name="article_search"),
            VectorSearchIndex(fields=["embedding"], filters=["topic", "year"],
                              name="article_vectors"),
        ]

    def __str__(self):
        return self.title
