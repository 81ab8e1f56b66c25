"""A path converter for ObjectIds in URLs.

    from django.urls import path, register_converter
    from djongo_core.urls import ObjectIdConverter

    register_converter(ObjectIdConverter, "objectid")
    urlpatterns = [path("documents/<objectid:pk>/", views.document)]
"""

from bson import ObjectId


class ObjectIdConverter:
    """Match 24 hexadecimal digits; hand the view an ObjectId; reverse() one back to text."""

    regex = "[0-9a-fA-F]{24}"

    def to_python(self, value):
        return ObjectId(value)

    def to_url(self, value):
        return str(value)
