"""The admin with MongoDB-native fields, through Django's test client: ObjectId keys in URLs
and forms, and documents with nested data saved from posted form data."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.fieldsapp.models import Document, Post


@pytest.fixture
def admin_client(db):
    User.objects.create_superuser("admin", "admin@example.com", "admin")
    client = Client()
    client.login(username="admin", password="admin")
    return client


def test_object_id_keys_appear_in_admin_urls_and_forms(admin_client):
    document = Document.objects.create(name="first")
    changelist = admin_client.get("/admin/fieldsapp/document/").content.decode()
    assert f"/admin/fieldsapp/document/{document.pk}/change/" in changelist
    response = admin_client.post(f"/admin/fieldsapp/document/{document.pk}/change/",
                                 {"name": "renamed", "parent": ""})
    assert response.status_code == 302
    assert Document.objects.get(pk=document.pk).name == "renamed"
    child = admin_client.post("/admin/fieldsapp/document/add/",
                              {"name": "child", "parent": str(document.pk)})
    assert child.status_code == 302
    assert Document.objects.get(name="child").parent_id == document.pk


def test_an_invalid_object_id_in_a_url_is_a_missing_object_not_an_error(admin_client):
    response = admin_client.get("/admin/fieldsapp/document/not-an-id/change/", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()


def test_posted_nested_data_is_saved_as_a_document(admin_client):
    response = admin_client.post("/admin/fieldsapp/post/add/", {
        "title": "Hello",
        "author-name": "Ann", "author-email": "", "author-born": "",
        "author-address-city": "", "author-address-zip_code": "",
        "comments-TOTAL_FORMS": "1", "comments-INITIAL_FORMS": "0",
        "comments-0-author": "Bob", "comments-0-text": "Hi", "comments-0-votes": "2",
        "comments-0-posted": "",
        "tags": ["a", "b"], "matrix": "", "extra": "null",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert post.author.name == "Ann" and post.author.address is None
    assert [(c.author, c.votes) for c in post.comments] == [("Bob", 2)]
    assert post.tags == ["a", "b"]
    page = admin_client.get(f"/admin/fieldsapp/post/{post.pk}/change/").content.decode()
    assert 'name="author-name" value="Ann"' in page and "djongo_core/widgets.js" in page
    # DocumentAdmin gives the embedded fields the admin's widgets: a calendar for a date.
    assert 'name="author-born" class="vDateField"' in page
    for query in ("Ann", "Hi"):  # inside the author document; a comment's text
        found = admin_client.get(f"/admin/fieldsapp/post/?q={query}").content.decode()
        assert f"/admin/fieldsapp/post/{post.pk}/change/" in found
    assert "0 results" in admin_client.get("/admin/fieldsapp/post/?q=Zed").content.decode()
