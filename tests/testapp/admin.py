from django.contrib import admin

from tests.testapp.models import Attachment

# Files on GridFS uploaded through the admin (tests/test_gridfs_storage.py).
admin.site.register(Attachment)
