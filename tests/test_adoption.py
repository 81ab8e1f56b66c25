"""Adopting a database Django did not create: inspectdb, then adoptdb, then the ORM and the admin.

The database is seeded with plain pymongo, and Django runs in a separate process with a project
of its own (settings, the app inspectdb writes, the admin), as a user would run manage.py. Every
document written outside Django must survive: nothing is lost, nothing overwritten.
"""

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pymongo
import pytest
from bson import Decimal128, ObjectId

from djongo_core.counters import SCHEMA_COLLECTION
from djongo_core.embedded import embedded_server_uri

REPO = Path(__file__).resolve().parent.parent
DATABASE = "adoption_tests"


@pytest.fixture
def server_uri():
    return os.environ.get("MONGODB_URI") or embedded_server_uri("embedded:")


@pytest.fixture
def seeded(server_uri):
    """A shop written by another program: integer and ObjectId keys, nested data, gaps."""
    client = pymongo.MongoClient(server_uri)
    client.drop_database(DATABASE)
    database = client[DATABASE]
    database.shop_product.insert_many([
        {"_id": i, "name": f"product {i}", "price": Decimal128(f"{i}.50"),
         "tags": ["a", "b"], "created": datetime.datetime(2020, 1, i),
         **({"stock": i * 10} if i % 2 else {})}
        for i in (1, 2, 3, 7, 9)
    ])
    database.shop_review.insert_many([
        {"_id": ObjectId(), "product_id": 1, "text": "good", "details": {"stars": 5},
         "score": 5},
        {"_id": ObjectId(), "product_id": 3, "text": "meh", "details": {"stars": 2},
         "score": "two"},
    ])
    # A counter left at 0 while rows are present (the old manual procedure's mistake).
    database.shop_order.insert_many([{"_id": i, "total": i * 3} for i in range(1, 5)])
    database[SCHEMA_COLLECTION].insert_one(
        {"name": "shop_order", "auto": {"field_names": ["id"], "seq": 0}})
    yield database
    client.drop_database(DATABASE)
    client.close()


@pytest.fixture
def project(tmp_path, server_uri):
    """A Django project pointing at the seeded database, with an empty app "shop"."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "admin.py").write_text(textwrap.dedent("""
        from django.apps import apps
        from django.contrib import admin

        for model in apps.get_app_config("shop").get_models():
            admin.site.register(model)
    """))
    (tmp_path / "urls.py").write_text(textwrap.dedent("""
        from django.contrib import admin
        from django.urls import path

        urlpatterns = [path("admin/", admin.site.urls)]
    """))
    (tmp_path / "settings.py").write_text(textwrap.dedent(f"""
        DATABASES = {{"default": {{"ENGINE": "djongo_core", "NAME": {DATABASE!r},
                                   "HOST": {server_uri!r}}}}}
        INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth",
                          "django.contrib.contenttypes", "django.contrib.sessions",
                          "django.contrib.messages", "djongo_core", "shop"]
        MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
                      "django.contrib.auth.middleware.AuthenticationMiddleware",
                      "django.contrib.messages.middleware.MessageMiddleware"]
        TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates",
                      "APP_DIRS": True, "OPTIONS": {{"context_processors": [
                          "django.template.context_processors.request",
                          "django.contrib.auth.context_processors.auth",
                          "django.contrib.messages.context_processors.messages"]}}}}]
        ROOT_URLCONF = "urls"
        SECRET_KEY = "adoption"
        USE_TZ = False
        ALLOWED_HOSTS = ["testserver"]
        DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
        PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    """))
    return tmp_path


def manage(project, *args, script=None):
    """Run `django-admin args` (or a Python script after django.setup()) in the project."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings",
           "PYTHONPATH": os.pathsep.join([str(project), str(REPO)])}
    if script is not None:
        command = [sys.executable, "-c",
                   "import django; django.setup()\n" + textwrap.dedent(script)]
    else:
        command = [sys.executable, "-m", "django", *args]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def adopt(project):
    models = manage(project, "inspectdb", "shop_product", "shop_review", "shop_order")
    (project / "shop" / "models.py").write_text(models)
    manage(project, "migrate", "--verbosity", "0")
    return models


def test_inspectdb_writes_models_that_import(seeded, project):
    models = adopt(project)
    assert "import djongo_core.fields" in models
    assert "class ShopProduct(models.Model):" in models
    assert "price = models.DecimalField(max_digits=3, decimal_places=2)" in models
    assert "stock = models.BigIntegerField(blank=True, null=True)" not in models  # int32 values
    assert "stock = models.IntegerField(blank=True, null=True)" in models
    assert "tags = models.JSONField()" in models
    assert "created = models.DateTimeField()" in models
    assert "id = djongo_core.fields.ObjectIdAutoField(primary_key=True)" in models
    assert "details = models.JSONField()" in models
    assert "score = models.JSONField()  # Values of several types" in models
    manage(project, "check")


def test_sample_size_is_an_option(seeded, project):
    few = manage(project, "inspectdb", "--sample-size", "1", "shop_product")
    # The first document has a stock: sampled alone, the field does not look nullable.
    assert "stock = models.IntegerField()" in few
    with pytest.raises(AssertionError, match="positive"):
        manage(project, "inspectdb", "--sample-size", "0")


def test_adoptdb_dry_run_then_run_then_nothing_to_do(seeded, project):
    adopt(project)
    dry = manage(project, "adoptdb", "--dry-run", "shop")
    assert "shop.ShopProduct (shop_product): would create the counter at 9" in dry
    assert "shop.ShopOrder (shop_order): would raise the counter from 0 to 4" in dry
    assert "shop.ShopReview (shop_review): would record" in dry
    assert seeded[SCHEMA_COLLECTION].find_one({"name": "shop_product"}) is None
    done = manage(project, "adoptdb", "shop")
    assert "shop.ShopProduct (shop_product): created the counter at 9" in done
    counters = {entry["name"]: entry.get("auto", {}).get("seq")
                for entry in seeded[SCHEMA_COLLECTION].find()}
    assert counters["shop_product"] == 9 and counters["shop_order"] == 4
    assert manage(project, "adoptdb", "shop").strip().endswith("Nothing to change.")


def test_counter_without_field_names_is_repaired(seeded, project):
    adopt(project)
    seeded[SCHEMA_COLLECTION].update_one({"name": "shop_order"},
                                         {"$set": {"auto.seq": 4}, "$unset": {"auto.field_names": ""}})
    output = manage(project, "adoptdb", "shop")
    assert "shop.ShopOrder (shop_order): repaired the counter's field names to ['id']" in output
    assert seeded[SCHEMA_COLLECTION].find_one({"name": "shop_order"})["auto"] == {
        "seq": 4, "field_names": ["id"]}


def test_counter_is_never_lowered(seeded, project):
    adopt(project)
    seeded[SCHEMA_COLLECTION].insert_one(
        {"name": "shop_product", "auto": {"field_names": ["id"], "seq": 50}})
    output = manage(project, "adoptdb", "shop")
    assert "counter at 50 is past the highest id stored (9)" in output
    assert seeded[SCHEMA_COLLECTION].find_one({"name": "shop_product"})["auto"]["seq"] == 50


def test_orm_and_admin_after_adoption_keep_every_document(seeded, project):
    adopt(project)
    manage(project, "adoptdb")
    before = {d["_id"]: d for d in seeded.shop_product.find()}
    output = manage(project, script="""
        from decimal import Decimal
        from django.contrib.auth.models import User
        from django.test import Client
        from shop.models import ShopOrder, ShopProduct, ShopReview

        made = ShopProduct.objects.create(name="new", price=Decimal("0.99"), tags=[],
                                          created="2021-01-01 00:00")
        order = ShopOrder.objects.create(total=30)
        review = ShopReview.objects.create(product_id=made.pk, text="fine", score=4, details={})
        edited = ShopProduct.objects.get(pk=3)
        edited.name = "renamed"
        edited.save()
        ShopProduct.objects.filter(pk=2).delete()

        User.objects.create_superuser("admin", "a@example.com", "pw")
        client = Client()
        client.login(username="admin", password="pw")
        added = client.post("/admin/shop/shopproduct/add/", {
            "name": "from admin", "price": "0.10", "tags": '["x"]',
            "created_0": "2022-02-02", "created_1": "10:00:00", "stock": "5"})
        changed = client.post("/admin/shop/shopproduct/7/change/", {
            "name": "edited in admin", "price": "7.50", "tags": '["a", "b"]',
            "created_0": "2020-01-07", "created_1": "00:00:00", "stock": "70"})
        deleted = client.post("/admin/shop/shopproduct/9/delete/", {"post": "yes"})
        print(made.pk, order.pk, type(review.pk).__name__,
              added.status_code, changed.status_code, deleted.status_code)
    """)
    assert output.split() == ["10", "5", "ObjectId", "302", "302", "302"]
    after = {d["_id"]: d for d in seeded.shop_product.find()}
    assert sorted(after) == [1, 3, 7, 10, 11]
    assert after[1] == before[1]  # untouched
    assert after[3]["name"] == "renamed" and after[3]["price"] == before[3]["price"]
    assert after[7]["name"] == "edited in admin" and after[7]["stock"] == 70
    assert after[11]["name"] == "from admin"
    assert sorted(d["_id"] for d in seeded.shop_order.find()) == [1, 2, 3, 4, 5]
    assert seeded.shop_order.find_one({"_id": 1})["total"] == 3
    assert seeded.shop_review.count_documents({}) == 3


def test_managed_models_migrate_with_fake_initial(seeded, project):
    models = manage(project, "inspectdb", "shop_product", "shop_order")
    (project / "shop" / "models.py").write_text(models.replace("        managed = False\n", ""))
    (project / "shop" / "migrations").mkdir()
    (project / "shop" / "migrations" / "__init__.py").write_text("")
    manage(project, "makemigrations", "shop", "--verbosity", "0")
    output = manage(project, "migrate", "--fake-initial")
    assert "Applying shop.0001_initial... FAKED" in output
    manage(project, "adoptdb")
    assert seeded.shop_product.count_documents({}) == 5
    assert manage(project, "migrate").strip().endswith("No migrations to apply.")


BLOG_MODELS = """
    from django.db import models

    from djongo_core.fields import (ArrayField, ArrayReferenceField, EmbeddedModelArrayField,
                                    EmbeddedModelField, ObjectIdAutoField, ObjectIdField)


    class Address(models.Model):
        city = models.CharField(max_length=50)
        since = models.DateField(null=True)

        class Meta:
            managed = False


    class Tag(models.Model):
        name = models.CharField(max_length=20)


    class Post(models.Model):
        title = models.CharField(max_length=50)
        address = EmbeddedModelField(Address, null=True)
        offices = EmbeddedModelArrayField(Address, default=list)
        tags = ArrayField(models.CharField(max_length=20), default=list)
        matrix = ArrayField(ArrayField(models.IntegerField()), null=True)
        labels = ArrayReferenceField(Tag, blank=True)
        source = ObjectIdField(null=True)


    class Note(models.Model):
        id = ObjectIdAutoField(primary_key=True)
        text = models.CharField(max_length=50)
"""


@pytest.fixture
def native(project, server_uri):
    """The project with an app "blog" whose collections migrate created with native fields."""
    (project / "blog").mkdir()
    (project / "blog" / "__init__.py").write_text("")
    (project / "blog" / "models.py").write_text(textwrap.dedent(BLOG_MODELS))
    with open(project / "settings.py", "a") as settings:
        settings.write('INSTALLED_APPS += ["blog"]\n')
    manage(project, "migrate", "--run-syncdb", "--verbosity", "0")
    manage(project, script="""
        import datetime
        from bson import ObjectId
        from blog.models import Address, Note, Post, Tag

        tag = Tag.objects.create(name="db")
        Post.objects.create(title="First", address=Address(city="Oslo",
                            since=datetime.date(2020, 5, 1)), offices=[Address(city="Rome")],
                            tags=["a", "b"], matrix=[[1], [2, 3]], labels=[tag],
                            source=ObjectId("0123456789abcdef01234567"))
        Note.objects.create(text="hi")
    """)
    client = pymongo.MongoClient(server_uri)
    yield client[DATABASE]
    client.drop_database(DATABASE)
    client.close()


def test_inspectdb_writes_native_fields_as_fields_that_import_and_read_the_documents(
        native, project):
    models = manage(project, "inspectdb", "blog_post", "blog_note")
    assert "import djongo_core.fields" in models
    for line in (
        "address = djongo_core.fields.EmbeddedModelField(embedded_model='BlogPostAddress', "
        "blank=True, null=True)",
        "offices = djongo_core.fields.EmbeddedModelArrayField(embedded_model='BlogPostOffices')",
        "tags = djongo_core.fields.ArrayField(base_field=models.TextField())",
        "matrix = djongo_core.fields.ArrayField(base_field=djongo_core.fields.ArrayField("
        "models.IntegerField()), blank=True, null=True)",
        "labels = djongo_core.fields.ArrayField(base_field=models.IntegerField())  # Written by "
        "djongo_core.fields.ArrayReferenceField",
        "source = djongo_core.fields.ObjectIdField(blank=True, null=True)",
        "id = djongo_core.fields.ObjectIdAutoField(primary_key=True)",
        # The embedded models, read from the stored subdocuments.
        "class BlogPostAddress(models.Model):\n    city = models.TextField()\n"
        "    since = models.DateTimeField()\n\n    class Meta:\n        managed = False",
        "class BlogPostOffices(models.Model):\n    city = models.TextField()\n"
        "    since = models.JSONField(blank=True, null=True)\n",
    ):
        assert line in models
    (project / "shop" / "models.py").write_text(models)
    manage(project, "check")
    output = manage(project, script="""
        from blog.models import Post
        from shop.models import BlogNote, BlogPost

        post = BlogPost.objects.get()
        print(post.address.city, post.address.since.date(), post.offices[0].city, post.tags,
              post.matrix, post.labels, post.source, BlogNote.objects.get().text)
        post.address.city = "Bergen"
        post.tags.append("c")
        post.save()
        first = Post.objects.get()
        print(first.address.city, first.address.since, first.tags, first.offices[0].city)
    """)
    assert output.splitlines() == [
        "Oslo 2020-05-01 Rome ['a', 'b'] [[1], [2, 3]] [1] 0123456789abcdef01234567 hi",
        "Bergen 2020-05-01 ['a', 'b', 'c'] Rome"]


def test_inspectdb_without_native_fields_adds_no_import(seeded, project):
    models = manage(project, "inspectdb", "shop_order")
    assert "import djongo_core.fields" not in models


def test_inspectdb_writes_a_third_party_field_as_the_django_field_of_its_values(seeded, project):
    # As migrations record a field whose get_internal_type() is its own class name.
    seeded[SCHEMA_COLLECTION].update_one({"name": "shop_order"}, {"$set": {"fields": {
        "total": {"type": "MoneyField", "db_type": "int", "null": False}}}})
    models = manage(project, "inspectdb", "shop_order")
    assert ("total = models.IntegerField()  # Written by a MoneyField, which is not a Django "
            "field; IntegerField reads its stored values.") in models


def test_adoptdb_with_an_app_label_touches_only_that_app(seeded, project):
    adopt(project)  # migrate has created the contrib apps' collections and counters too
    dry = manage(project, "adoptdb", "--dry-run", "shop").splitlines()
    assert [line for line in dry if line.startswith("shop.")]
    assert all(line.startswith(("shop.", "Dry run:")) for line in dry), dry
    everything = manage(project, "adoptdb", "--dry-run").splitlines()
    assert any(line.startswith("auth.User (auth_user):") for line in everything)
    with pytest.raises(AssertionError, match="No installed app with label 'nowhere'"):
        manage(project, "adoptdb", "nowhere")


@pytest.fixture
def djongo_1_database(server_uri):
    """A blog written by djongo 1.x: each AutoField under its own key "id", beside the ObjectId
    _id MongoDB gave the document, foreign keys holding those integers, djongo's counters."""
    client = pymongo.MongoClient(server_uri)
    client.drop_database(DATABASE)
    database = client[DATABASE]
    database.create_collection("blog_author", validator={"name": {"$type": "string"}})
    database.blog_author.create_index("email", unique=True, name="blog_author_email_uniq")
    database.blog_author.insert_many([
        {"_id": ObjectId(), "id": 1, "name": "Ann", "email": "ann@example.com"},
        {"_id": ObjectId(), "id": 2, "name": "Bob", "email": "bob@example.com"},
    ])
    database.blog_entry.insert_many([
        {"_id": ObjectId(), "id": 1, "headline": "Hello", "author_id": 2},
        {"_id": ObjectId(), "id": 5, "headline": "Again", "author_id": 1},
    ])
    database[SCHEMA_COLLECTION].insert_many([
        {"name": "blog_author", "auto": {"field_names": ["id"], "seq": 2}},
        {"name": "blog_entry", "auto": {"field_names": ["id"], "seq": 5}},
    ])
    yield database
    client.drop_database(DATABASE)
    client.close()


def djongo_1_models(project):
    (project / "shop" / "models.py").write_text(textwrap.dedent("""
        from django.db import models


        class Author(models.Model):
            name = models.CharField(max_length=100)
            email = models.EmailField(unique=True)

            class Meta:
                db_table = "blog_author"
                managed = False


        class Entry(models.Model):
            headline = models.CharField(max_length=100)
            author = models.ForeignKey(Author, models.CASCADE)

            class Meta:
                db_table = "blog_entry"
                managed = False
    """))


def test_adoptdb_moves_djongo_1_integer_keys_into_id(djongo_1_database, project):
    djongo_1_models(project)
    dry = manage(project, "adoptdb", "--dry-run", "shop")
    assert ("shop.Author (blog_author): would move the integer key of 2 document(s) from 'id' "
            "into _id") in dry
    assert "shop.Entry (blog_entry): would move the integer key of 2 document(s)" in dry
    assert djongo_1_database.blog_author.count_documents({"id": {"$exists": True}}) == 2

    manage(project, "adoptdb", "shop")

    assert sorted(djongo_1_database.blog_author.find(), key=lambda d: d["_id"]) == [
        {"_id": 1, "name": "Ann", "email": "ann@example.com"},
        {"_id": 2, "name": "Bob", "email": "bob@example.com"}]
    assert sorted(d["_id"] for d in djongo_1_database.blog_entry.find()) == [1, 5]
    indexes = {index["name"]: index for index in djongo_1_database.blog_author.list_indexes()}
    assert indexes["blog_author_email_uniq"]["unique"] is True
    assert djongo_1_database.blog_author.options()["validator"] == {"name": {"$type": "string"}}
    assert "blog_author__djongo_ids" not in djongo_1_database.list_collection_names()
    read = manage(project, script="""
        from shop.models import Author, Entry
        print(sorted((entry.pk, entry.headline, entry.author.name)
                     for entry in Entry.objects.select_related("author")))
        print(Author.objects.get(pk=2).entry_set.get().headline)
        print(Author.objects.create(name="Cy", email="cy@example.com").pk)
        print(Entry.objects.create(headline="New", author_id=1).pk)
    """)
    assert read.splitlines() == ["[(1, 'Hello', 'Bob'), (5, 'Again', 'Ann')]", "Hello", "3", "6"]
    assert manage(project, "adoptdb", "shop").strip().endswith("Nothing to change.")


def test_adoptdb_leaves_documents_without_an_integer_key_to_the_warning(djongo_1_database,
                                                                      project):
    djongo_1_database.blog_author.insert_one({"_id": ObjectId(), "name": "Nobody",
                                              "email": "no@example.com"})
    djongo_1_models(project)
    output = manage(project, "adoptdb", "shop")
    assert ("shop.Author (blog_author): 3 document(s) have an _id that is not an integer"
            in output)
    assert djongo_1_database.blog_author.count_documents({"id": {"$exists": True}}) == 2


def test_adoptdb_leaves_a_collection_whose_integer_keys_repeat_with_a_warning(
        djongo_1_database, project):
    # Two documents claim the key 2: checked before any write, so nothing is copied.
    djongo_1_database.blog_author.insert_one({"_id": ObjectId(), "id": 2, "name": "Bea",
                                              "email": "bea@example.com"})
    before = sorted(djongo_1_database.blog_author.find(), key=lambda d: d["email"])
    djongo_1_models(project)
    output = manage(project, "adoptdb", "shop")
    assert ("shop.Author (blog_author): 3 document(s) keep the integer key under 'id' beside an "
            "ObjectId _id") in output
    assert "held by more than one document (for example 2)" in output
    assert sorted(djongo_1_database.blog_author.find(), key=lambda d: d["email"]) == before
    assert "blog_author__djongo_ids" not in djongo_1_database.list_collection_names()
    # The other collection's keys are distinct: it moves.
    assert sorted(d["_id"] for d in djongo_1_database.blog_entry.find()) == [1, 5]
