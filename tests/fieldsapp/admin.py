from django.contrib import admin

from tests.fieldsapp.models import Document, Post


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("id", "name")
    search_fields = ("name",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    search_fields = ("title", "author__name", "tags", "comments__text")
