from django.contrib import admin

from bench.workload.models import Book
from bench.workload.spec import ADMIN_PAGE


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "genre", "pages", "rating", "published")
    list_select_related = ("author",)
    list_filter = ("genre",)
    ordering = ("serial",)
    list_per_page = ADMIN_PAGE
