"""GridFSStorage: Django's Storage API on GridFS, FileField/ImageField on it, and the view that
serves its files (streamed, ranges, content types)."""

import io
import os
from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from djongo_core.files import GridFSFile, GridFSStorage
from tests.testapp.models import Attachment

pytestmark = pytest.mark.usefixtures("db")

CHUNK = 1024


@pytest.fixture
def storage():
    return GridFSStorage(bucket="fs", base_url="/gridfs/", chunk_size=CHUNK)


class ReadSizes(io.BytesIO):
    """An upload that records how much it was asked for at a time."""

    def __init__(self, data):
        super().__init__(data)
        self.asked = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


def test_save_open_size_exists_and_delete(storage):
    data = os.urandom(CHUNK * 3 + 17)
    name = storage.save("reports/q1.pdf", ContentFile(data))
    assert name == "reports/q1.pdf"
    assert storage.exists(name) and storage.size(name) == len(data)
    with storage.open(name) as opened:
        assert isinstance(opened, GridFSFile)
        assert opened.read() == data
        assert opened.content_type == "application/pdf"
    storage.delete(name)
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError, match=r"No file 'reports/q1.pdf' in GridFS bucket"):
        storage.open(name)


def test_an_upload_is_read_a_chunk_at_a_time_never_whole(storage):
    upload = ReadSizes(os.urandom(CHUNK * 5))
    storage.save("big.bin", upload)
    assert upload.asked and all(0 < size <= CHUNK for size in upload.asked)
    assert connection.mongo_database["fs.chunks"].count_documents({}) == 5


def test_a_taken_name_gets_another_as_on_disk(storage):
    first = storage.save("a.txt", ContentFile("one"))
    second = storage.save("a.txt", ContentFile("two"))
    assert first == "a.txt" and second != first and second.startswith("a_")
    assert storage.open(second).read() == b"two"


def test_listdir_gives_directories_and_files_of_a_path(storage):
    for name in ("top.txt", "docs/a.txt", "docs/b.txt", "docs/sub/c.txt", "docsx/d.txt"):
        storage.save(name, ContentFile("x"))
    assert storage.listdir("") == (["docs", "docsx"], ["top.txt"])
    assert storage.listdir("docs") == (["sub"], ["a.txt", "b.txt"])
    assert storage.listdir("docs/sub/") == ([], ["c.txt"])


def test_url_times_and_text_content(storage):
    name = storage.save("notes/hello world.txt", ContentFile("héllo"))
    assert storage.url(name) == "/gridfs/notes/hello%20world.txt"
    assert storage.open(name).read() == "héllo".encode()
    modified = storage.get_modified_time(name)
    assert isinstance(modified, datetime) and modified.tzinfo is not None
    assert storage.get_created_time(name) == modified


def test_opening_for_writing_is_refused(storage):
    storage.save("w.txt", ContentFile("x"))
    with pytest.raises(ValueError, match=r"mode 'wb'.*open them with mode 'rb'"):
        storage.open("w.txt", "wb")


def test_every_call_goes_through_the_executor(storage):
    with CaptureQueriesContext(connection) as queries:
        storage.save("seen.txt", ContentFile("x"))
        storage.open("seen.txt").read()
        storage.delete("seen.txt")
    sql = [query["sql"] for query in queries.captured_queries]
    assert any(q.startswith('db.gridfs("fs").upload_from_stream_with_id(') for q in sql)
    assert any(q.startswith('db.gridfs("fs").open_download_stream(') for q in sql)
    assert any(q.startswith('db.gridfs("fs").delete(') for q in sql)
    assert any(q.startswith("db.fs.files.find(") for q in sql)


def test_a_storage_on_a_non_mongodb_alias_is_improperly_configured(monkeypatch):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    with pytest.raises(ImproperlyConfigured, match=r"needs a MongoDB database.*is sqlite"):
        GridFSStorage().exists("x")


def test_a_filefield_and_an_imagefield_keep_their_files_in_gridfs():
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (7, 3), "red").save(picture, "PNG")
    attachment = Attachment.objects.create(
        title="t", document=ContentFile(b"%PDF-1.4 data", name="report.pdf"),
        picture=SimpleUploadedFile("red.png", picture.getvalue(), "image/png"))
    attachment = Attachment.objects.get(pk=attachment.pk)
    assert attachment.document.name == "docs/report.pdf"
    assert attachment.document.read() == b"%PDF-1.4 data"
    assert (attachment.picture_width, attachment.picture_height) == (7, 3)
    assert attachment.picture.url == "/gridfs/pictures/red.png"
    assert storages["gridfs"].exists("pictures/red.png")


# -- the view --------------------------------------------------------------------------------


def test_the_view_streams_the_file_with_its_content_type_and_length():
    data = os.urandom(300_000)
    name = storages["gridfs"].save("media/clip.mp4", ContentFile(data))
    response = Client().get(f"/gridfs/{name}")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(data))
    assert response["Accept-Ranges"] == "bytes"
    pieces = list(response.streaming_content)
    assert len(pieces) > 1 and max(len(piece) for piece in pieces) <= 255 * 1024
    assert b"".join(pieces) == data


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=0-9", 0, 9), ("bytes=10-", 10, 99), ("bytes=-5", 95, 99), ("bytes=90-500", 90, 99),
])
def test_the_view_answers_a_range_with_partial_content(header, first, last):
    data = bytes(range(100))
    storages["gridfs"].save("r.bin", ContentFile(data))
    response = Client().get("/gridfs/r.bin", headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/100"
    assert b"".join(response.streaming_content) == data[first:last + 1]


def test_an_unsatisfiable_range_is_416_and_several_ranges_get_the_whole_file():
    storages["gridfs"].save("r.bin", ContentFile(b"0123456789"))
    response = Client().get("/gridfs/r.bin", headers={"Range": "bytes=20-"})
    assert response.status_code == 416 and response["Content-Range"] == "bytes */10"
    response = Client().get("/gridfs/r.bin", headers={"Range": "bytes=0-1,4-5"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"0123456789"


def test_a_head_request_gets_the_headers_and_if_range_of_another_version_the_whole_file():
    storages["gridfs"].save("h.txt", ContentFile(b"0123456789"))
    head = Client().head("/gridfs/h.txt")
    assert head.status_code == 200 and head["Content-Length"] == "10"
    assert b"".join(head.streaming_content) == b""
    whole = Client().get("/gridfs/h.txt", headers={"Range": "bytes=0-1", "If-Range": '"old"'})
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == b"0123456789"


def test_the_view_answers_conditional_requests_and_missing_files():
    storages["gridfs"].save("c.txt", ContentFile(b"x"))
    first = Client().get("/gridfs/c.txt")
    assert Client().get("/gridfs/c.txt", headers={
        "If-None-Match": first["ETag"]}).status_code == 304
    assert Client().get("/gridfs/c.txt", headers={
        "If-Modified-Since": first["Last-Modified"]}).status_code == 304
    assert Client().get("/gridfs/missing.txt").status_code == 404
    assert Client().post("/gridfs/c.txt").status_code == 405


@override_settings(STORAGES={**__import__("django.conf").conf.settings.STORAGES,
                             "gridfs": {"BACKEND": "django.core.files.storage.InMemoryStorage"}})
def test_the_view_refuses_a_storage_that_is_not_gridfs():
    with pytest.raises(ImproperlyConfigured, match=r"STORAGES\['gridfs'\] is InMemoryStorage"):
        Client(raise_request_exception=True).get("/gridfs/x")


def test_a_file_uploaded_through_the_admin_streams_back_byte_identical():
    from django.contrib.auth.models import User

    User.objects.create_superuser("admin", "admin@example.com", "admin")
    client = Client()
    client.login(username="admin", password="admin")
    data = os.urandom(255 * 1024 * 2 + 5)
    response = client.post("/admin/testapp/attachment/add/", {
        "title": "scan", "document": SimpleUploadedFile("scan.pdf", data, "application/pdf")})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.document.name == "docs/scan.pdf"
    change = client.get(f"/admin/testapp/attachment/{attachment.pk}/change/").content.decode()
    assert 'href="/gridfs/docs/scan.pdf"' in change
    served = client.get("/gridfs/docs/scan.pdf")
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == data
