from django.contrib import admin

from djongo_core.admin import DocumentAdmin
from tests.fieldsapp.models import Document, Post


@admin.register(Document)
class ObjectIdKeyAdmin(admin.ModelAdmin):
    list_display = ("id", "name")
    search_fields = ("name",)


@admin.register(Post)
class PostAdmin(DocumentAdmin):
    search_fields = ("title", "author__name", "tags", "comments__text")
