"""VectorField: refuses a wrong vector before it is written, and stays small in forms."""

import math

import pytest
from django import forms
from django.core.exceptions import ValidationError

from djongo_search.fields import VectorField
from djongo_search.widgets import UNCHANGED
from search_testapp.models import Article


def article(**fields):
    return Article(title="t", body="b", topic="food", year=2020, **fields)


def test_a_vector_round_trips_as_floats(db):
    saved = article(embedding=[1, 0.5, -2])
    saved.save()
    assert Article.objects.get(pk=saved.pk).embedding == [1.0, 0.5, -2.0]


@pytest.mark.parametrize("vector, why", [
    ([1.0, 2.0], "has 2 numbers; the field holds 3"),
    ([1.0, "x", 3.0], "has 'x' at position 1"),
    ([1.0, math.nan, 3.0], "finite numbers only"),
    ([True, 0.0, 1.0], "has True at position 0"),
    ("not json", "is not a JSON list"),
    (3.0, "is a float, not a list"),
])
def test_a_wrong_vector_is_refused_on_save_naming_the_field(db, vector, why):
    with pytest.raises(ValidationError) as refused:
        article(embedding=vector).save()
    assert "search_testapp.Article.embedding" in str(refused.value)
    assert why in str(refused.value)
    assert not Article.objects.exists()


def test_full_clean_reports_a_wrong_vector():
    with pytest.raises(ValidationError) as refused:
        article(embedding=[1.0]).full_clean()
    assert "embedding" in refused.value.message_dict


def test_dimensions_are_checked():
    field = VectorField(dimensions=0)
    field.set_attributes_from_name("v")
    field.model = Article
    assert [error.id for error in field.check()] == ["djongo_search.E001"]


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "body", "topic", "year", "embedding"]


class WideForm(forms.Form):
    embedding = VectorField(dimensions=1536).formfield()


def test_the_widget_shows_the_size_and_first_numbers_not_every_number():
    html = WideForm(initial={"embedding": [0.001 * n for n in range(1536)]}).as_p()
    assert "1536 numbers: 0, 0.001, 0.002, 0.003, …" in html
    assert "0.005" not in html
    assert len(html) < 1000


def test_nothing_pasted_keeps_the_stored_vector(db):
    saved = article(embedding=[1.0, 2.0, 3.0])
    saved.save()
    form = ArticleForm({"title": "new", "body": "b", "topic": "food", "year": 2021,
                        "embedding": ""}, instance=saved)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["embedding"] is UNCHANGED
    assert not form.has_changed() or "embedding" not in form.changed_data
    form.save()
    assert Article.objects.get(pk=saved.pk).embedding == [1.0, 2.0, 3.0]


def test_a_pasted_vector_replaces_it_and_a_wrong_one_is_an_error(db):
    saved = article(embedding=[1.0, 2.0, 3.0])
    saved.save()
    data = {"title": "t", "body": "b", "topic": "food", "year": 2020}
    form = ArticleForm({**data, "embedding": "[0, 0, 1]"}, instance=saved)
    assert form.is_valid(), form.errors
    form.save()
    assert Article.objects.get(pk=saved.pk).embedding == [0.0, 0.0, 1.0]
    form = ArticleForm({**data, "embedding": "[0, 1]"}, instance=saved)
    assert not form.is_valid()
    assert form.errors["embedding"] == ["Enter 3 numbers, not 2."]


def test_a_new_object_without_a_vector_is_an_error():
    form = ArticleForm({"title": "t", "body": "b", "topic": "food", "year": 2020,
                        "embedding": ""})
    assert not form.is_valid()
    assert "embedding" in form.errors


def test_a_stored_vector_prints_compactly_in_the_admin(db):
    from django.contrib.admin.utils import display_for_field

    saved = Article(title="t", body="b", topic="food", year=2020, embedding=[0.5, -1.25, 3.0])
    saved.save()
    embedding = Article.objects.get(pk=saved.pk).embedding
    assert embedding == [0.5, -1.25, 3.0]
    assert str(embedding) == "3 numbers: 0.5, -1.25, 3"
    field = Article._meta.get_field("embedding")
    assert display_for_field(embedding, field, "-") == "3 numbers: 0.5, -1.25, 3"


def test_a_stored_vector_serializes_as_a_list(db):
    from django.core import serializers

    saved = Article(title="t", body="b", topic="food", year=2020, embedding=[0.5, -1.25, 3.0])
    saved.save()
    dumped = serializers.serialize("json", Article.objects.all())
    assert '"embedding": "[0.5, -1.25, 3.0]"' in dumped
    (loaded,) = serializers.deserialize("json", dumped)
    assert loaded.object.embedding == [0.5, -1.25, 3.0]
    assert Article.objects.get(pk=saved.pk).embedding.tolist() == [0.5, -1.25, 3.0]
