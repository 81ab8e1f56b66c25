"""Values MongoDB cannot store are a DataError naming the model and the field, never a bare
OverflowError or InvalidDocument: integers wider than 64 bits, NaN and infinity in JSON, and
documents over MongoDB's 16 MB limit."""

import math

import pytest
from django.db import DataError

from tests.fieldsapp.models import Post
from tests.testapp.models import Author, Item

pytestmark = pytest.mark.usefixtures("db")


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**70])
def test_an_integer_wider_than_64_bits_is_refused_naming_the_field(value):
    with pytest.raises(DataError, match=r"testapp\.Author\.age.*64 bits"):
        Author.objects.create(name="big", age=value)
    author = Author.objects.create(name="small", age=1)
    with pytest.raises(DataError, match=r"testapp\.Author\.age"):
        Author.objects.filter(pk=author.pk).update(age=value)
    author.age = value
    with pytest.raises(DataError, match=r"testapp\.Author\.age"):
        Author.objects.bulk_update([author], ["age"])
    assert Author.objects.get(pk=author.pk).age == 1


def test_the_64_bit_limits_themselves_are_stored():
    item = Item.objects.create(name="largest")
    Item.objects.filter(pk=item.pk).update(name="x")
    author = Author.objects.create(name="edge", age=2**63 - 1)
    assert Author.objects.get(pk=author.pk).age == 2**63 - 1


def test_an_integer_wider_than_64_bits_inside_json_is_refused_with_its_path():
    with pytest.raises(DataError, match=r"fieldsapp\.Post\.extra.*at a\.1\.b"):
        Post.objects.create(title="t", extra={"a": [0, {"b": 2**64}]})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_in_json_are_refused(value):
    with pytest.raises(DataError, match=r"fieldsapp\.Post\.extra.*JSON has no NaN"):
        Post.objects.create(title="t", extra={"score": value})
    assert not Post.objects.exists()


def test_a_document_over_16_mb_is_refused_naming_the_model_and_its_largest_field():
    with pytest.raises(DataError, match=r"testapp\.Author.*16 MB.*'name'"):
        Author.objects.create(name="x" * (17 * 1024 * 1024))
    assert not Author.objects.exists()
