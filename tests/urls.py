from django.contrib import admin
from django.urls import path

from djongo_core.files import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("gridfs/<path:name>", serve, {"storage": "gridfs"}),
]
