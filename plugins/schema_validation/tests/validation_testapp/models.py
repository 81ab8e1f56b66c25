"""Models of the schema_validation plugin's tests: one field of every kind the core stores."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from djongo_core.fields import (
    ArrayField, ArrayReferenceField, EmbeddedModelArrayField, EmbeddedModelField, ObjectIdAutoField,
    ObjectIdField,
)
from djongo_schema_validation import SchemaValidation


class Address(models.Model):
    """Embedded in Product: no collection of its own."""

    street = models.CharField(max_length=50)
    zip_code = models.CharField(max_length=10, validators=[RegexValidator(r"^\d{5}\Z")])
    floor = models.IntegerField(null=True)

    class Meta:
        managed = False


class Supplier(models.Model):
    name = models.CharField(max_length=30)


class Product(models.Model):
    SIZES = [("S", "Small"), ("M", "Medium"), ("L", "Large")]

    name = models.CharField(max_length=50)
    sku = models.SlugField(max_length=20)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    weight = models.FloatField(null=True)
    stock = models.PositiveIntegerField(default=0)
    rating = models.SmallIntegerField(null=True,
                                      validators=[MinValueValidator(1), MaxValueValidator(5)])
    views = models.BigIntegerField(default=0)
    active = models.BooleanField(default=True)
    released = models.DateField(null=True)
    updated = models.DateTimeField(null=True)
    opens = models.TimeField(null=True)
    shelf_life = models.DurationField(null=True)
    code = models.UUIDField(null=True)
    blob = models.BinaryField(null=True)
    size = models.CharField(max_length=1, choices=SIZES, default="M")
    attributes = models.JSONField(null=True)
    ip = models.GenericIPAddressField(null=True)
    external_id = ObjectIdField(null=True)
    supplier = models.ForeignKey(Supplier, models.SET_NULL, null=True)
    address = EmbeddedModelField(Address, null=True)
    tags = ArrayField(models.CharField(max_length=10), size=3, default=list)
    addresses = EmbeddedModelArrayField(Address, default=list)
    alternatives = ArrayReferenceField(Supplier, blank=True)


class Shipment(models.Model):
    """Declares its validation: moderate, no unknown keys; an ObjectId primary key."""

    id = ObjectIdAutoField(primary_key=True)
    product = models.ForeignKey(Product, models.CASCADE)
    quantity = models.IntegerField()
    note = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [SchemaValidation(name="shipment_schema", level="moderate",
                                        additional_properties=False)]


class Unchecked(models.Model):
    """Opts out of the database-wide validation."""

    label = models.CharField(max_length=5)

    class Meta:
        constraints = [SchemaValidation(name="unchecked_schema", enabled=False)]


class Order(models.Model):
    """Checks its references on write and runs full_clean() before each save."""

    supplier = models.ForeignKey(Supplier, models.CASCADE)
    backup = models.ForeignKey(Supplier, models.SET_NULL, null=True, blank=True,
                               related_name="+")
    loose = models.ForeignKey(Supplier, models.DO_NOTHING, null=True, blank=True,
                              db_constraint=False,
                              related_name="+")
    code = models.CharField(max_length=8, validators=[RegexValidator(r"^[A-Z]{3}-\d+\Z")])

    class Meta:
        constraints = [SchemaValidation(name="order_schema", check_references=True,
                                        validate_on_save=True)]
