from django.db import models
from django.db.models.functions import Lower, Now

from djongo_core.fields import ObjectIdAutoField
from djongo_core.files import GridFSStorage
from djongo_core.managers import MongoManager


class Author(models.Model):
    name = models.CharField(max_length=100)
    age = models.IntegerField(null=True)
    email = models.EmailField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    label = models.CharField(max_length=50, unique=True)


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")
    editor = models.ForeignKey(Author, models.SET_NULL, null=True, related_name="edited")
    pages = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    published = models.DateField(null=True)
    created = models.DateTimeField(auto_now_add=True)
    in_print = models.BooleanField(default=True)
    tags = models.ManyToManyField(Tag, related_name="books")

    def __str__(self):
        return self.title


class Profile(models.Model):
    author = models.OneToOneField(Author, models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True)


class Item(models.Model):
    """A model with a big integer key, for counter tests."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=50)


class Note(models.Model):
    """A model keyed by MongoDB ObjectIds."""

    id = ObjectIdAutoField(primary_key=True)
    text = models.TextField()
    author = models.ForeignKey(Author, models.SET_NULL, null=True, blank=True)
    data = models.JSONField(null=True, blank=True)


class Rectangle(models.Model):
    """Generated fields: stored ones computed on every write, virtual ones on every read."""

    width = models.IntegerField()
    height = models.IntegerField()
    label = models.CharField(max_length=20, null=True)
    area = models.GeneratedField(
        expression=models.F("width") * models.F("height"),
        output_field=models.IntegerField(),
        db_persist=True,
        db_index=True,
    )
    code = models.GeneratedField(
        expression=Lower("label"),
        output_field=models.CharField(max_length=20),
        db_persist=True,
        null=True,
    )
    perimeter = models.GeneratedField(
        expression=(models.F("width") + models.F("height")) * 2,
        output_field=models.IntegerField(),
        db_persist=False,
    )
    is_square = models.GeneratedField(
        expression=models.Q(width=models.F("height")),
        output_field=models.BooleanField(),
        db_persist=False,
    )


class Sample(models.Model):
    """Every field type, each nullable: what NULL (and, on MongoDB, a missing key) does to
    filters, negations and conditions (the differential test and the boolean tests)."""

    flag = models.BooleanField(null=True)
    number = models.IntegerField(null=True)
    ratio = models.FloatField(null=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    label = models.CharField(max_length=20, null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    clock = models.TimeField(null=True)
    span = models.DurationField(null=True)
    token = models.UUIDField(null=True)
    book = models.ForeignKey(Book, models.SET_NULL, null=True, related_name="samples")


class Ledger(models.Model):
    """Decimal columns rounded on write: a unique total, and one wider than Decimal128."""

    total = models.DecimalField(max_digits=8, decimal_places=2, unique=True)
    wide = models.DecimalField(max_digits=40, decimal_places=4, null=True)


def gridfs_storage():
    """Files in the default database's GridFS bucket, served at /gridfs/ (tests/urls.py). Made
    here rather than read from STORAGES: other settings (tests/reliability) import these models
    too."""
    return GridFSStorage(base_url="/gridfs/")


class Attachment(models.Model):
    """Files kept in GridFS, beside the documents that name them."""

    title = models.CharField(max_length=50)
    document = models.FileField(storage=gridfs_storage, upload_to="docs/")
    picture = models.ImageField(storage=gridfs_storage, upload_to="pictures/", blank=True,
                                width_field="picture_width", height_field="picture_height")
    picture_width = models.IntegerField(null=True, blank=True)
    picture_height = models.IntegerField(null=True, blank=True)


class Idea(models.Model):
    """A prototype's model, grown field by field (tests/test_flexible_schema.py)."""

    title = models.CharField(max_length=100)
    votes = models.IntegerField(default=0)
    status = models.CharField(max_length=20, default="draft")
    tags = models.JSONField(default=list)
    rank = models.IntegerField(db_default=5)
    noted = models.DateTimeField(db_default=Now())
    score = models.FloatField(null=True)

    # djongo 1.x's mongo_* passthrough (tests/test_djongo_settings.py).
    objects = MongoManager()
