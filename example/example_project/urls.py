from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from djongo_core.files import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    # The files of the GridFS storage (library.Attachment.file), streamed from MongoDB.
    path("media/<path:name>", serve, {"storage": "gridfs"}),
    path("", RedirectView.as_view(url="/admin/")),
]
