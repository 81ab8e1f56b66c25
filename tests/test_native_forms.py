"""Forms for MongoDB-native fields: embedded documents as fieldsets, embedded lists as rows,
scalar lists as one input per item, ObjectIds as 24 hex digits; and DRF serializer fields."""

import datetime
import re

import pytest
from bson import ObjectId
from django import forms
from django.http import QueryDict

from djongo_core.fields import ObjectIdField
from tests.fieldsapp.models import Comment, Document, Label, Post, Profile


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "author", "comments", "tags", "matrix", "labels"]


def post_data(**changes):
    data = {
        "title": "Hello",
        "author-name": "Ann", "author-email": "", "author-born": "1990-01-02",
        "author-address-city": "Oslo", "author-address-zip_code": "0150",
        "comments-TOTAL_FORMS": "2", "comments-INITIAL_FORMS": "0",
        "comments-0-author": "Bob", "comments-0-text": "First", "comments-0-votes": "3",
        "comments-0-ORDER": "2",
        "comments-1-author": "Cy", "comments-1-text": "Second", "comments-1-votes": "0",
        "comments-1-ORDER": "1",
        "tags": ["mongo", "", "django"],
        "matrix": "[[1, 2], [3]]",
    }
    data.update(changes)
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def test_a_form_builds_embedded_documents_lists_and_rows_in_their_order():
    form = PostForm(post_data())
    assert form.is_valid(), form.errors
    post = form.save(commit=False)
    assert post.author.name == "Ann" and post.author.born == datetime.date(1990, 1, 2)
    assert post.author.address.zip_code == "0150"
    assert [comment.author for comment in post.comments] == ["Cy", "Bob"]
    assert post.tags == ["mongo", "django"]
    assert post.matrix == [[1, 2], [3]]


def test_deleted_rows_are_left_out():
    form = PostForm(post_data(**{"comments-1-DELETE": "on"}))
    assert form.is_valid(), form.errors
    assert [comment.author for comment in form.cleaned_data["comments"]] == ["Bob"]


def test_errors_inside_documents_show_at_their_own_inputs():
    form = PostForm(post_data(**{"author-name": "", "comments-0-votes": "many",
                                 "tags": ["x" * 30]}))
    assert not form.is_valid()
    assert form.errors["author"] == ["Correct the errors in Author below."]
    assert form.errors["comments"] == ["Correct the errors in the rows below."]
    assert form.errors["tags"] == [
        "Item 1: Ensure this value has at most 20 characters (it has 30)."]
    html = str(form["author"]) + str(form["comments"])
    assert "This field is required." in html and "Enter a whole number." in html
    assert 'name="author-name"' in html and 'value="Oslo"' in html


def invalid_inputs(html):
    """The names (and values) of the inputs marked aria-invalid in rendered HTML."""
    return [(tag_name, value) for tag_name, value in re.findall(
        r'<(?:input|textarea|select)(?=[^>]*aria-invalid="true")[^>]*name="([^"]+)"'
        r'(?:[^>]*value="([^"]*)")?', html)]


def test_only_the_wrong_inputs_inside_documents_and_lists_are_marked_invalid():
    form = PostForm(post_data(**{"author-email": "nope", "comments-1-votes": "many",
                                 "tags": ["mongo", "x" * 30, "django"]}))
    assert not form.is_valid()
    assert invalid_inputs(str(form["author"])) == [("author-email", "nope")]
    assert invalid_inputs(str(form["comments"])) == [("comments-1-votes", "many")]
    assert invalid_inputs(str(form["tags"])) == [("tags", "x" * 30)]


def test_an_optional_embedded_document_left_empty_is_none():
    empty = {key: "" for key in post_data() if key.startswith("author-")}
    form = PostForm(post_data(**empty))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["author"] is None


def test_the_change_form_renders_existing_values_as_inputs():
    post = Post(title="Hello", author=Profile(name="Ann"), tags=["a", "b"],
                comments=[Comment(author="Bob", text="First")])
    html = PostForm(instance=post).as_p()
    assert 'name="author-name" value="Ann"' in html
    assert 'name="comments-0-author" value="Bob"' in html
    assert 'name="comments-TOTAL_FORMS" value="1"' in html
    assert html.count('<input type="text" name="tags"') == 4  # two items, a blank one, the add-item template
    assert "comments-__prefix__-author" in html  # the template for an added row
    assert "djongo_core/widgets.js" in str(PostForm().media)


def test_unchanged_values_are_not_reported_as_changed():
    post = Post(title="Hello", author=Profile(name="Ann", born=datetime.date(1990, 1, 2)),
                tags=["mongo"], comments=[])
    data = post_data(**{"author-address-city": "", "author-address-zip_code": "",
                        "tags": ["mongo"], "comments-TOTAL_FORMS": "0"})
    form = PostForm(data, instance=post)
    assert form.is_valid(), form.errors
    assert "author" not in form.changed_data and "tags" not in form.changed_data
    assert "comments" not in form.changed_data


@pytest.mark.parametrize("value", ["", "123", "zz" * 12])
def test_object_id_form_fields_want_24_hex_digits(value):
    field = ObjectIdField().formfield()
    with pytest.raises(forms.ValidationError):
        field.clean(value)
    oid = ObjectId()
    assert field.clean(str(oid)) == oid
    assert field.prepare_value(oid) == str(oid)


def test_object_ids_in_urls_convert_both_ways():
    from djongo_core.urls import ObjectIdConverter

    oid = ObjectId()
    converter = ObjectIdConverter()
    assert converter.to_python(str(oid)) == oid and converter.to_url(oid) == str(oid)


def test_reference_lists_are_multiple_choice_fields(db):
    label = Label.objects.create(name="python")
    form = PostForm(post_data(labels=[str(label.pk)]))
    assert form.is_valid(), form.errors
    assert form.save(commit=False).labels_ids == [label.pk]


def test_drf_serializer_fields_read_and_write_native_values(db):
    pytest.importorskip("rest_framework")
    from djongo_core.rest_framework import MongoModelSerializer

    class PostSerializer(MongoModelSerializer):
        class Meta:
            model = Post
            fields = ["id", "title", "author", "comments", "tags", "labels"]

    class DocumentSerializer(MongoModelSerializer):
        class Meta:
            model = Document
            fields = ["id", "name"]

    label = Label.objects.create(name="python")
    serializer = PostSerializer(data={
        "title": "Hello", "author": {"name": "Ann", "born": "1990-01-02"},
        "comments": [{"author": "Bob", "text": "First"}], "tags": ["a"], "labels": [label.pk]})
    assert serializer.is_valid(), serializer.errors
    post = serializer.save()
    assert post.author.born == datetime.date(1990, 1, 2) and post.labels_ids == [label.pk]
    data = PostSerializer(Post.objects.get()).data
    assert data["author"] == {"name": "Ann", "email": "", "born": "1990-01-02",
                              "address": None}
    assert data["comments"] == [{"author": "Bob", "text": "First", "votes": 0,
                                 "posted": None}]
    assert data["labels"] == [label.pk] and data["tags"] == ["a"]
    invalid = PostSerializer(data={"title": "x", "author": {"name": ""}})
    assert not invalid.is_valid()
    assert invalid.errors["author"] == ["name: This field cannot be blank."]
    document = Document.objects.create(name="d")
    assert DocumentSerializer(document).data["id"] == str(document.pk)
    assert ObjectId(DocumentSerializer(document).data["id"]) == document.pk
