"""A Django storage on GridFS, in the database of a connection alias.

Each saved file is one GridFS file (a document in ``<bucket>.files`` and its data in
``<bucket>.chunks``) whose GridFS filename is the storage name Django chose. Names are unique:
Django's ``get_available_name()`` asks ``exists()`` before saving, as with files on disk.
Uploads and downloads go chunk by chunk (255 KiB, GridFS's default): a file is never held
whole in memory. Every call goes through the connection's executor, so it shows in
``connection.queries`` like any other command.
"""

import mimetypes
import re
from datetime import UTC

from bson import ObjectId
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import Storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.encoding import filepath_to_uri

from djongo_core.command import Command

DEFAULT_BUCKET = "fs"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@deconstructible(path="djongo_core.files.GridFSStorage")
class GridFSStorage(Storage):
    """Files in the GridFS bucket ``bucket`` of the database of alias ``using``.

    ``base_url`` is where the project serves them (djongo_core.files.serve); MEDIA_URL when
    not given. ``chunk_size`` is the GridFS chunk size in bytes for new files.
    """

    def __init__(self, using=DEFAULT_DB_ALIAS, bucket=DEFAULT_BUCKET, base_url=None,
                 chunk_size=None):
        self.using = using
        self.bucket = bucket
        self._base_url = base_url
        self.chunk_size = chunk_size

    # -- Django's Storage API ------------------------------------------------------------------

    def _open(self, name, mode="rb"):
        if set(mode) - set("rb"):
            raise ValueError(
                f"GridFS file {name!r} cannot be opened with mode {mode!r}: GridFS files are "
                "written once, by save(); open them with mode 'rb'.")
        return GridFSFile(self.open_stream(self.describe(name)["_id"]), name)

    def _save(self, name, content):
        if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
            content.seek(0)
        kwargs = {"metadata": {"contentType": content_type(name, content)}}
        if self.chunk_size:
            kwargs["chunk_size_bytes"] = self.chunk_size
        self._run(Command(None, "upload_from_stream_with_id",
                          (ObjectId(), name, _BytesReader(content)), kwargs, bucket=self.bucket))
        return name

    def delete(self, name):
        for document in self._find({"filename": name}, {"_id": 1}):
            self._run(Command(None, "delete", (document["_id"],), bucket=self.bucket))

    def exists(self, name):
        return bool(self._find({"filename": name}, {"_id": 1}, limit=1))

    def size(self, name):
        return self.describe(name)["length"]

    def listdir(self, path):
        prefix = path.strip("/")
        prefix = f"{prefix}/" if prefix else ""
        directories, files = set(), []
        for document in self._find(
                {"filename": {"$regex": f"^{re.escape(prefix)}"}}, {"filename": 1, "_id": 0}):
            rest = document["filename"][len(prefix):]
            head, slash, _ = rest.partition("/")
            if slash:
                directories.add(head)
            elif rest not in files:
                files.append(rest)
        return sorted(directories), sorted(files)

    def url(self, name):
        base_url = self.base_url
        if base_url is None:
            raise ValueError(f"GridFS file {name!r} has no URL: set the storage's base_url "
                             "(or MEDIA_URL) and serve it with djongo_core.files.serve.")
        return base_url + filepath_to_uri(name).lstrip("/")

    def get_created_time(self, name):
        return upload_time(self._find({"filename": name}, {"uploadDate": 1},
                                      sort=[("uploadDate", 1), ("_id", 1)], limit=1,
                                      missing=name)[0])

    def get_modified_time(self, name):
        return upload_time(self.describe(name))

    def get_accessed_time(self, name):
        # GridFS does not record reads.
        return self.get_modified_time(name)

    # -- for the view and for tests ------------------------------------------------------------

    @property
    def base_url(self):
        base_url = self._base_url if self._base_url is not None else settings.MEDIA_URL or None
        if base_url and not base_url.endswith("/"):
            base_url += "/"
        return base_url

    def describe(self, name):
        """Return the ``<bucket>.files`` document of the latest file named ``name``; raise
        FileNotFoundError when there is none."""
        return self._find({"filename": name}, None, sort=[("uploadDate", -1), ("_id", -1)],
                          limit=1, missing=name)[0]

    def open_stream(self, file_id):
        """Return pymongo's GridOut for a file: read and seek it, chunks come as needed."""
        return self._run(Command(None, "open_download_stream", (file_id,), bucket=self.bucket))

    # -- internals -----------------------------------------------------------------------------

    @property
    def connection(self):
        connection = connections[self.using]
        if connection.vendor != "mongodb":
            raise ImproperlyConfigured(
                f"GridFSStorage(using={self.using!r}) needs a MongoDB database, but "
                f"DATABASES[{self.using!r}] is {connection.vendor}; name an alias whose ENGINE "
                "is djongo_core.")
        return connection

    def _run(self, command):
        return self.connection.executor.run(command)

    def _find(self, query, projection, missing=None, **options):
        documents = list(self.connection.executor.documents(
            Command(f"{self.bucket}.files", "find", (query, projection), options)))
        if not documents and missing is not None:
            raise FileNotFoundError(
                f"No file {missing!r} in GridFS bucket {self.bucket!r} of database "
                f"{self.using!r}.")
        return documents


class GridFSFile(File):
    """A GridFS file opened for reading: a Django File over pymongo's GridOut."""

    def __init__(self, stream, name):
        super().__init__(stream, name)
        self.mode = "rb"

    @property
    def size(self):
        return self.file.length

    @property
    def content_type(self):
        return (self.file.metadata or {}).get("contentType") or DEFAULT_CONTENT_TYPE


class _BytesReader:
    """What GridFS reads an upload from, a chunk at a time: the content's own read(size),
    with text encoded as UTF-8 (a ContentFile of str, as FileSystemStorage accepts)."""

    def __init__(self, content):
        self._content = content

    def read(self, size=-1):
        data = self._content.read(size)
        return data.encode() if isinstance(data, str) else data


def content_type(name, content):
    """Return the content type stored with a file: from its name, else what the upload said."""
    guessed, _ = mimetypes.guess_type(name)
    return guessed or getattr(content, "content_type", None) or DEFAULT_CONTENT_TYPE


def upload_time(document):
    """Return the upload date of a ``<bucket>.files`` document as Django wants datetimes."""
    value = document["uploadDate"]
    # pymongo returns naive UTC datetimes unless the client is tz_aware.
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value if settings.USE_TZ else timezone.make_naive(value)

