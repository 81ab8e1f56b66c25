"""MongoDB-native fields against the server: stored documents, queries, validation, checks,
reference lists, serializers and the JSON encoder."""

import datetime
import json

import pytest
from bson import ObjectId
from django.apps import apps
from django.conf import settings
from django.core import checks, serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, models
from django.http import JsonResponse
from django.test import override_settings
from django.test.utils import isolate_apps

from djongo_core.encoders import MongoJSONEncoder
from djongo_core.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedModelArrayField,
    EmbeddedModelField,
)
from tests.fieldsapp.models import Address, Comment, Document, Label, Post, Profile


def stored(post):
    return connection.mongo_database["fieldsapp_post"].find_one({"_id": post.pk})


def make_post(**extra):
    return Post.objects.create(
        title="Hello",
        author=Profile(name="Ann", born=datetime.date(1990, 1, 2), address=Address(city="Oslo")),
        comments=[Comment(author="Bob", text="First", votes=3),
                  Comment(author="Cy", text="Second")],
        tags=["mongo", "django"], matrix=[[1, 2], [3]], **extra)


def test_embedded_documents_and_arrays_are_stored_natively(db):
    post = make_post()
    document = stored(post)
    assert document["author"] == {"name": "Ann", "email": "",
                                  "born": datetime.datetime(1990, 1, 2),
                                  "address": {"city": "Oslo", "zip_code": ""}}
    assert document["comments"] == [
        {"author": "Bob", "text": "First", "votes": 3, "posted": None},
        {"author": "Cy", "text": "Second", "votes": 0, "posted": None}]
    assert document["tags"] == ["mongo", "django"]
    assert document["matrix"] == [[1, 2], [3]]
    assert document["labels"] == []


def test_stored_documents_come_back_as_model_instances_with_python_values(db):
    post = Post.objects.get(pk=make_post().pk)
    assert isinstance(post.author, Profile) and post.author.born == datetime.date(1990, 1, 2)
    assert post.author.address.city == "Oslo"
    assert [(c.author, c.votes) for c in post.comments] == [("Bob", 3), ("Cy", 0)]
    assert post.tags == ["mongo", "django"] and post.matrix == [[1, 2], [3]]


def test_a_missing_subdocument_key_takes_the_fields_default(db):
    post = make_post()
    connection.mongo_database["fieldsapp_post"].update_one(
        {"_id": post.pk}, {"$unset": {"comments.0.votes": ""}})
    assert Post.objects.get(pk=post.pk).comments[0].votes == 0


def test_queries_reach_inside_documents_and_arrays(db):
    first = make_post()
    second = Post.objects.create(title="Other", author=Profile(name="Bea"), tags=["x"],
                                 comments=[Comment(author="Dee", text="!", votes=9)])
    titles = lambda **lookup: sorted(Post.objects.filter(**lookup).values_list("title", flat=True))  # noqa: E731
    assert titles(author__name="Ann") == ["Hello"]
    assert titles(author__address__city__iexact="oslo") == ["Hello"]
    assert titles(author__born__isnull=True) == ["Other"]
    assert titles(comments__author="Cy") == ["Hello"]
    assert titles(comments__votes__gte=5) == ["Other"]
    assert titles(comments__len=1) == ["Other"]
    assert titles(tags__contains=["django"]) == ["Hello"]
    assert titles(tags__contains=[]) == ["Hello", "Other"]
    assert titles(scores__contains=[]) == []  # null is no list
    assert titles(tags__contained_by=["x", "y"]) == ["Other"]
    assert titles(tags__overlap=["x", "mongo"]) == ["Hello", "Other"]
    assert titles(tags__len__gt=1) == ["Hello"]
    assert titles(tags__0="x") == ["Other"]
    assert titles(tags__0_2=["mongo", "django"]) == ["Hello"]
    assert titles(matrix__1__0=3) == ["Hello"]
    assert list(Post.objects.exclude(comments__author="Cy")) == [second]
    assert first in Post.objects.filter(comments__author=models.F("comments__0__author"))


def test_embedded_values_can_be_selected_and_ordered_by(db):
    make_post()
    Post.objects.create(title="Other", author=Profile(name="Abe"))
    assert list(Post.objects.order_by("author__name").values_list("title", flat=True)) == [
        "Other", "Hello"]
    assert list(Post.objects.order_by("title").values_list("tags__len", flat=True)) == [2, 0]


def test_updates_replace_embedded_documents_and_arrays(db):
    post = make_post()
    Post.objects.filter(pk=post.pk).update(author=Profile(name="Zed"), tags=["new"])
    document = stored(post)
    assert document["author"]["name"] == "Zed" and document["tags"] == ["new"]
    post.refresh_from_db()
    post.comments.append(Comment(author="Eve", text="Third"))
    post.save()
    assert [c["author"] for c in stored(post)["comments"]] == ["Bob", "Cy", "Eve"]


def test_embedded_models_validate_with_their_own_fields():
    post = Post(title="x", author=Profile(name="", email="not-an-email"),
                comments=[Comment(author="a", text="")], tags=["a" * 30])
    with pytest.raises(ValidationError) as raised:
        post.full_clean()
    errors = raised.value.message_dict
    assert errors["author"] == ["name: This field cannot be blank.",
                                "email: Enter a valid email address."]
    assert errors["comments"] == [
        "Item 1 in the list did not validate: text: This field cannot be blank."]
    assert errors["tags"] == ["Item 1 in the list did not validate: Ensure this value has at "
                              "most 20 characters (it has 30)."]


def test_array_size_is_enforced_by_validation():
    with pytest.raises(ValidationError, match="may have at most 5"):
        Post(title="x", tags=list("abcdef")).full_clean()


def test_null_and_blank_behave_like_other_fields():
    # author is null=True, blank=True; the lists default to [].
    Post(title="x", author=Profile(name="Ann", address=None)).full_clean()
    with pytest.raises(ValidationError) as raised:
        Post(title="x", comments=[Comment(author=None, text="t")]).full_clean()
    assert raised.value.message_dict["comments"] == [
        "Item 1 in the list did not validate: author: This field cannot be null."]


def test_reference_lists_work_like_many_to_many(db):
    python, django, mongo = (Label.objects.create(name=name) for name in ("python", "django",
                                                                          "mongo"))
    post = make_post()
    post.labels.add(python, django)
    post.labels.add(django)
    assert stored(post)["labels"] == [python.pk, django.pk]
    assert list(post.labels.all()) == [django, python]  # Label's own ordering
    post.labels.remove(python)
    assert stored(post)["labels"] == [django.pk]
    post.labels.set([mongo, python])
    assert post.labels_ids == [mongo.pk, python.pk]
    assert list(Post.objects.filter(labels=mongo)) == [post]
    assert list(Post.objects.filter(labels__name__startswith="py")) == [post]
    assert list(Post.objects.filter(labels__in=Label.objects.filter(name="django"))) == []
    assert list(Post.objects.filter(labels__in=Label.objects.filter(name="mongo"))) == [post]
    post.labels.clear()
    assert stored(post)["labels"] == []


def test_reference_lists_prefetch_in_one_query_per_level(db):
    python, django = Label.objects.create(name="python"), Label.objects.create(name="django")
    Post.objects.create(title="A", labels=[python, django])
    Post.objects.create(title="B", labels=[django])
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        posts = list(Post.objects.prefetch_related("labels"))
        labels = {post.title: [label.name for label in post.labels.all()] for post in posts}
    assert labels == {"A": ["python", "django"], "B": ["django"]}
    assert len(captured) == 2


def test_changing_references_of_an_unsaved_object_is_refused():
    with pytest.raises(ValueError, match="needs a primary key"):
        Post(title="x").labels.add(Label(pk=1, name="a"))


def test_dumpdata_and_loaddata_round_trip(db):
    label = Label.objects.create(name="python")
    post = make_post(labels=[label])
    text = serializers.serialize("json", [post])
    fields = json.loads(text)[0]["fields"]
    assert fields["author"] == {"name": "Ann", "email": "", "born": "1990-01-02",
                                "address": {"city": "Oslo", "zip_code": ""}}
    assert fields["comments"][0] == {"author": "Bob", "text": "First", "votes": 3,
                                     "posted": None}
    assert fields["labels"] == [label.pk]
    Post.objects.all().delete()
    for restored in serializers.deserialize("json", text):
        restored.save()
    again = Post.objects.get(pk=post.pk)
    assert again.author.address.city == "Oslo" and again.comments[1].author == "Cy"
    assert again.labels_ids == [label.pk] and again.matrix == [[1, 2], [3]]


def test_object_ids_serialize_as_hex_and_load_back(db):
    document = Document.objects.create(name="a")
    child = Document.objects.create(name="b", parent=document)
    text = serializers.serialize("json", [document, child])
    data = json.loads(text)
    assert data[0]["pk"] == str(document.pk) and data[1]["fields"]["parent"] == str(document.pk)
    Document.objects.all().delete()
    for restored in serializers.deserialize("json", text):
        restored.save()
    assert Document.objects.get(name="b").parent_id == document.pk


def test_the_json_encoder_writes_object_ids_and_embedded_documents():
    oid = ObjectId()
    response = JsonResponse({"id": oid, "author": Profile(name="Ann", born=datetime.date(2000, 1, 1))},
                            encoder=MongoJSONEncoder)
    assert json.loads(response.content) == {"id": str(oid), "author": {
        "name": "Ann", "email": "", "born": "2000-01-01", "address": None}}


@isolate_apps("tests.fieldsapp")
def test_system_checks_refuse_relations_and_abstract_models_inside_documents():
    class Owner(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "fieldsapp"

    class WithRelation(models.Model):
        owner = models.ForeignKey(Owner, models.CASCADE)

        class Meta:
            app_label = "fieldsapp"
            managed = False

    class Abstract(models.Model):
        class Meta:
            app_label = "fieldsapp"
            abstract = True

    class Outer(models.Model):
        inner = EmbeddedModelField(WithRelation)
        abstract = EmbeddedModelField(Abstract)
        managed = EmbeddedModelArrayField(Owner)
        related = ArrayField(models.ForeignKey(Owner, models.CASCADE))
        codes = ArrayField(models.CharField(max_length=-1))
        missing = ArrayReferenceField("fieldsapp.Missing")

        class Meta:
            app_label = "fieldsapp"

    ids = {error.id: error.msg for error in Outer.check()}
    assert "WithRelation.owner is a relation" in ids["djongo_core.E114"]
    assert "Abstract is abstract" in ids["djongo_core.E112"]
    assert "Owner is managed" in ids["djongo_core.W113"]
    assert ids["djongo_core.E101"] == "ArrayField cannot hold relations."
    assert ids["djongo_core.E102"].startswith(
        "The array's base field is invalid: 'max_length' must be a positive integer")
    assert "'fieldsapp.Missing', which is not installed" in ids["djongo_core.E121"]


def test_fields_deconstruct_for_migrations():
    field = Post._meta.get_field("comments")
    name, path, args, kwargs = field.deconstruct()
    assert path == "djongo_core.fields.EmbeddedModelArrayField"
    assert kwargs == {"embedded_model": "fieldsapp.Comment", "blank": True, "default": list}
    _, path, _, kwargs = Post._meta.get_field("matrix").deconstruct()
    assert path == "djongo_core.fields.ArrayField"
    assert kwargs["base_field"].deconstruct()[1] == "djongo_core.fields.ArrayField"
    _, path, _, kwargs = Post._meta.get_field("labels").deconstruct()
    assert (path, kwargs) == ("djongo_core.fields.ArrayReferenceField",
                              {"to": "fieldsapp.Label", "blank": True})


def test_text_patterns_on_a_list_match_any_item(db):
    make_post()
    assert Post.objects.filter(tags__icontains="JANG").count() == 1
    assert Post.objects.filter(tags__startswith="jang").count() == 0


JSON_VALUES = [
    None, {"a": "b", "c": 14},
    {"a": "b", "c": 14, "d": ["e", {"f": "g"}], "j": None, "n": [None, True, False]},
    [1, [2]], {"k": True, "l": False}, {"baz": {"a": "b", "c": "d"}, "bar": ["foo", "bar"]},
    "x", 5, [], {},
]


@pytest.mark.parametrize("lookup, expected", [
    ({"extra__contains": {"baz": {"a": "b"}}}, [5]),
    ({"extra__contains": {"k": True}}, [4]),
    ({"extra__contains": {"k": 1}}, []),  # true is not 1
    ({"extra__contains": {"d": ["e", {"f": "g"}]}}, [2]),
    ({"extra__contains": {"d": [{"f": "g"}]}}, [2]),
    ({"extra__contains": [[2]]}, [3]),
    ({"extra__contains": {"n": [None, False]}}, [2]),
    ({"extra__contains": {"j": None}}, [2]),  # a JSON null, not a missing key
    ({"extra__contains": {}}, [1, 2, 4, 5, 9]),
    ({"extra__contains": "x"}, [6]),
    ({"extra__bar__contains": "bar"}, [5]),  # jsonb: an array contains a scalar it holds
    ({"extra__bar__contains": "ba"}, []),
    ({"extra__contained_by": ["x", 5]}, [6, 7, 8]),  # ... and a scalar is contained by it
    ({"extra__baz__contains": {"c": "d"}}, [5]),
    ({"extra__contained_by": {"a": "b", "c": 14, "k": True}}, [1, 9]),
    ({"extra__contained_by": [1, [2], 3]}, [3, 8]),
    ({"extra__contained_by": {}}, [9]),
])
def test_json_containment_follows_jsonb_semantics(db, lookup, expected):
    for number, value in enumerate(JSON_VALUES):
        Post.objects.create(title=str(number), extra=value)
    found = Post.objects.filter(**lookup).values_list("title", flat=True)
    assert sorted(int(title) for title in found) == expected


def test_json_containment_in_a_condition(db):
    Post.objects.create(title="a", extra={"k": True})
    Post.objects.create(title="b", extra={"k": False})
    flagged = Post.objects.annotate(flag=models.Case(
        models.When(extra__contains={"k": True}, then=models.Value("yes")),
        default=models.Value("no")))
    assert list(flagged.values_list("title", "flag")) == [("a", "yes"), ("b", "no")]


@isolate_apps("tests.fieldsapp")
def test_embedded_models_can_be_named_lazily():
    class Outer(models.Model):
        note = EmbeddedModelField("fieldsapp.Inner", null=True)
        notes = EmbeddedModelArrayField("fieldsapp.Inner", default=list)

        class Meta:
            app_label = "fieldsapp"

    class Inner(models.Model):
        text = models.CharField(max_length=10)

        class Meta:
            app_label = "fieldsapp"
            managed = False

    assert Outer._meta.get_field("note").embedded_model is Inner
    assert Outer._meta.get_field("notes").base_field.embedded_model is Inner
    assert Outer.check() == []
    assert Outer._meta.get_field("notes").deconstruct()[3]["embedded_model"] == "fieldsapp.Inner"


def test_json_documents_order_and_annotate_by_key(db):
    from django.db.models.fields.json import KT

    for title, rank in (("b", 2), ("a", 3), ("c", 1)):
        Post.objects.create(title=title, extra={"rank": rank, "owner": {"name": title.upper()}})
    assert list(Post.objects.order_by("extra__rank").values_list("title", flat=True)) == [
        "c", "b", "a"]
    assert list(Post.objects.order_by("-extra__rank").values_list("title", flat=True)) == [
        "a", "b", "c"]
    owners = Post.objects.annotate(owner=KT("extra__owner__name")).values_list("owner", flat=True)
    assert list(owners) == ["A", "B", "C"]
    stored_document = connection.mongo_database["fieldsapp_post"].find_one({"title": "a"})
    assert stored_document["extra"] == {"rank": 3, "owner": {"name": "A"}}  # native, not text


def test_dumpdata_and_loaddata_commands_round_trip(db, tmp_path):
    from django.core.management import call_command

    label = Label.objects.create(name="python")
    post = make_post(labels=[label], extra={"k": [1, None]})
    Document.objects.create(name="with an ObjectId")
    fixture = tmp_path / "fields.json"
    call_command("dumpdata", "fieldsapp", output=str(fixture), verbosity=0)
    before = {name: list(connection.mongo_database[name].find())
              for name in ("fieldsapp_post", "fieldsapp_label", "fieldsapp_document")}
    for model in (Post, Label, Document):
        model.objects.all().delete()
    call_command("loaddata", str(fixture), verbosity=0)
    after = {name: list(connection.mongo_database[name].find()) for name in before}
    assert after == before
    assert Post.objects.get(pk=post.pk).labels_ids == [label.pk]


WITHOUT_THE_APP = [app for app in settings.INSTALLED_APPS if app != "djongo_core"]


def test_check_fails_when_the_widgets_app_is_missing_naming_each_field_and_the_fix():
    with override_settings(INSTALLED_APPS=WITHOUT_THE_APP):
        with pytest.raises(SystemCheckError) as raised:
            call_command("check", "fieldsapp")
        errors = {(error.id, str(error.obj)) for error in
                  checks.run_checks(app_configs=[apps.get_app_config("fieldsapp")])
                  if error.id == "djongo_core.E141"}
    assert "djongo_core.E141" in str(raised.value)
    assert 'Add "djongo_core" to INSTALLED_APPS' in str(raised.value)
    # The fields whose form widgets render djongo_core's templates; a nested array is edited
    # as JSON text and a reference list as a multiple choice, which need nothing of the app.
    assert errors == {("djongo_core.E141", f"fieldsapp.{label}") for label in (
        "Post.author", "Post.comments", "Post.tags", "Post.scores", "Profile.address")}


def test_check_passes_with_the_widgets_app_installed():
    assert not [error for error in
                checks.run_checks(app_configs=[apps.get_app_config("fieldsapp")])
                if error.id == "djongo_core.E141"]
