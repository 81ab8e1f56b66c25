"""Django's contrib apps on MongoDB, unmodified: migrate, auth, sessions, and the admin."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client

from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")


def test_migrate_creates_collections_indexes_and_counters():
    database = connection.mongo_database
    names = set(database.list_collection_names())
    assert {"auth_user", "auth_group", "auth_user_groups", "django_session",
            "django_admin_log", "django_content_type", "django_migrations"} <= names
    user_indexes = database["auth_user"].index_information()
    username = [info for info in user_indexes.values() if info["key"] == [("username", 1)]]
    assert username and username[0]["unique"]
    pair = database["auth_user_groups"].index_information()
    assert any(info["key"] == [("user_id", 1), ("group_id", 1)] and info.get("unique")
               for info in pair.values())
    counter = database[SCHEMA_COLLECTION].find_one({"name": "auth_user"})
    assert counter["auto"]["field_names"] == ["id"]


def test_contenttypes_and_permissions_have_integer_ids():
    content_type = ContentType.objects.get_for_model(User)
    assert isinstance(content_type.pk, int)
    assert Permission.objects.filter(content_type=content_type).count() == 4


def test_auth_users_groups_and_permissions():
    user = User.objects.create_user("ann", password="pw")
    group = Group.objects.create(name="editors")
    group.permissions.add(Permission.objects.get(codename="change_user"))
    user.groups.add(group)
    assert isinstance(user.pk, int)
    user = User.objects.get(pk=user.pk)  # fresh object: no permission cache
    assert user.check_password("pw")
    assert user.has_perm("auth.change_user")
    assert not user.has_perm("auth.delete_user")
    assert list(User.objects.filter(groups__name="editors")) == [user]


def test_sessions_store_and_load():
    session = SessionStore()
    session["cart"] = [1, 2]
    session.save()
    assert SessionStore(session_key=session.session_key).load() == {"cart": [1, 2]}


@pytest.fixture
def admin_client():
    User.objects.create_superuser("admin", "admin@example.com", "admin")
    client = Client()
    assert client.login(username="admin", password="admin")
    return client


def test_admin_adds_a_user_and_a_group_and_lists_them(admin_client):
    response = admin_client.post("/admin/auth/group/add/", {"name": "Reviewers",
                                                            "permissions": []})
    assert response.status_code == 302, response.content
    group = Group.objects.get(name="Reviewers")

    response = admin_client.post("/admin/auth/user/add/", {
        "username": "bob", "password1": "a-long-password-1", "password2": "a-long-password-1",
        "usable_password": "true",
    })
    assert response.status_code == 302, response.content
    bob = User.objects.get(username="bob")
    response = admin_client.post(f"/admin/auth/user/{bob.pk}/change/", {
        "username": "bob", "first_name": "Bob", "last_name": "", "email": "",
        "is_active": "on", "groups": [group.pk], "user_permissions": [],
        "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "10:00:00",
    })
    assert response.status_code == 302, response.content
    assert list(User.objects.get(pk=bob.pk).groups.all()) == [group]

    users = admin_client.get("/admin/auth/user/")
    assert users.status_code == 200
    assert b"bob" in users.content and b"admin" in users.content
    groups = admin_client.get("/admin/auth/group/")
    assert b"Reviewers" in groups.content


def test_admin_changelist_search_filter_and_sort(admin_client):
    group = Group.objects.create(name="staff-group")
    for name in ("carol", "dave", "erin"):
        User.objects.create_user(name, password="x").groups.add(group)
    search = admin_client.get("/admin/auth/user/?q=car")
    assert b"carol" in search.content and b"dave" not in search.content
    by_group = admin_client.get(f"/admin/auth/user/?groups__id__exact={group.pk}")
    assert by_group.status_code == 200
    assert b"3 users" in by_group.content
    ordered = admin_client.get("/admin/auth/user/?o=-1")
    assert ordered.content.index(b"erin") < ordered.content.index(b"carol")


def test_admin_deletes_through_the_confirmation_page(admin_client):
    group = Group.objects.create(name="temporary")
    response = admin_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(name="temporary").exists()


def test_admin_history_lists_log_entries(admin_client):
    admin_client.post("/admin/auth/group/add/", {"name": "Logged", "permissions": []})
    group = Group.objects.get(name="Logged")
    history = admin_client.get(f"/admin/auth/group/{group.pk}/history/")
    assert history.status_code == 200
    assert b"Added." in history.content
    index = admin_client.get("/admin/")
    assert b"Logged" in index.content
