"""A HAVING filter comparing a column with an aggregate groups by that column too."""

import pytest
from django.db.models import Count, F

from tests.testapp.models import Author, Book, Tag

pytestmark = pytest.mark.usefixtures("db")


def test_having_compares_a_column_with_an_aggregate():
    author = Author.objects.create(name="Ann")
    tags = [Tag.objects.create(label=label) for label in ("a", "b", "c")]
    thin = Book.objects.create(title="Thin", author=author, pages=150)
    thick = Book.objects.create(title="Thick", author=author, pages=500)
    thin.tags.set(tags)
    thick.tags.set(tags[:1])
    # pages < 200 per tag: Thin (150 < 600) but not Thick (500 > 200).
    cheap = (Book.objects.values("title").annotate(n=Count("tags"))
             .filter(pages__lt=F("n") * 200).values_list("title", flat=True))
    assert list(cheap) == ["Thin"]
