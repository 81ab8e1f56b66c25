from django.contrib import admin

from library.models import Author, Book, Genre


class BookInline(admin.TabularInline):
    model = Book
    extra = 0
    fields = ("title", "published", "pages", "in_print")


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "born")
    search_fields = ("name",)
    inlines = [BookInline]


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "published", "pages", "price", "in_print")
    list_filter = ("in_print", "genres", "author")
    list_select_related = ("author",)
    search_fields = ("title", "author__name")
    filter_horizontal = ("genres",)


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    search_fields = ("name",)
