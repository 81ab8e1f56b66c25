from django.db import models

from djongo_bulk import BulkWriteManager
from djongo_core.fields import ObjectIdAutoField


class Supplier(models.Model):
    name = models.CharField(max_length=50)


class Product(models.Model):
    sku = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=50, default="")
    price = models.IntegerField(default=0)
    stock = models.IntegerField(default=0)
    supplier = models.ForeignKey(Supplier, models.CASCADE, null=True, blank=True,
                                 related_name="products")

    objects = BulkWriteManager()

    class Meta:
        ordering = ["sku"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0),
                                              name="price_not_negative")]

    def __str__(self):
        return self.sku


class Note(models.Model):
    """ObjectId keys, made by the client."""

    id = ObjectIdAutoField(primary_key=True)
    text = models.CharField(max_length=50)


class Place(models.Model):
    name = models.CharField(max_length=50)


class Restaurant(Place):
    """Multi-table inheritance: a save writes two collections."""

    seats = models.IntegerField(default=0)
