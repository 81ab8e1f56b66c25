"""Serve the files of a GridFSStorage, streamed, with byte ranges (video seeking, resumed
downloads) and conditional requests::

    from djongo_core.files import serve

    urlpatterns = [
        path("media/<path:name>", serve, {"storage": "default"}),
    ]

``storage`` is the key of the storage in the STORAGES setting. The view serves every file of
the bucket to whoever asks, as a web server serves MEDIA_ROOT; wrap it (login_required, a
permission check) for files that are not public.
"""

import re

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.http import Http404, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from djongo_core.files.storage import DEFAULT_CONTENT_TYPE, GridFSStorage, upload_time

# One range only ("bytes=0-99", "bytes=100-", "bytes=-100"); several ranges would need a
# multipart answer, and a server may answer those with the whole file instead (RFC 9110 14.2).
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@require_safe
def serve(request, name, storage="default"):
    """Return the file ``name`` of the GridFSStorage ``storages[storage]``."""
    store = storages[storage]
    if not isinstance(store, GridFSStorage):
        raise ImproperlyConfigured(
            f"djongo_core.files.serve serves a GridFSStorage, but STORAGES[{storage!r}] is "
            f"{type(store).__name__}; pass the key of a GridFS storage as 'storage'.")
    try:
        document = store.describe(name)
    except FileNotFoundError:
        raise Http404(f"No file {name!r}.") from None
    length = document["length"]
    modified = upload_time(document).timestamp()
    # A GridFS file never changes: its id identifies its content.
    etag = f'"{document["_id"]}"'
    if (request.headers.get("If-None-Match") == etag
            or not was_modified_since(request.headers.get("If-Modified-Since"), modified)):
        return HttpResponseNotModified(headers={"ETag": etag})
    content_type = (document.get("metadata") or {}).get("contentType") or DEFAULT_CONTENT_TYPE
    headers = {"Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": http_date(modified)}
    wanted = _wanted_range(request, etag, length)
    if wanted == "unsatisfiable":
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{length}"})
    start, end, status = 0, length - 1, 200
    if wanted is not None:
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{length}"
    headers["Content-Length"] = str(end - start + 1)
    stream = store.open_stream(document["_id"])
    return StreamingHttpResponse(_chunks(stream, start, end - start + 1), status=status,
                                 content_type=content_type, headers=headers)


def _wanted_range(request, etag, length):
    """Return (first, last) byte of a satisfiable single Range, None to send the whole file,
    or "unsatisfiable"."""
    header = request.headers.get("Range")
    if not header or request.headers.get("If-Range", etag) != etag:
        return None
    match = _RANGE.match(header.replace(" ", ""))
    if match is None or match.groups() == ("", ""):
        return None  # several ranges or a malformed header: the whole file
    first, last = match.groups()
    if first == "":
        # The last N bytes.
        count = int(last)
        if count == 0:
            return "unsatisfiable"
        return max(length - count, 0), length - 1
    first = int(first)
    last = length - 1 if last == "" else min(int(last), length - 1)
    if first >= length or first > last:
        return "unsatisfiable"
    return first, last


def _chunks(stream, start, count):
    """Yield ``count`` bytes of the stream from ``start``, one GridFS chunk at a time."""
    try:
        stream.seek(start)
        while count > 0:
            data = stream.read(min(count, stream.chunk_size))
            if not data:
                break
            count -= len(data)
            yield data
    finally:
        stream.close()
