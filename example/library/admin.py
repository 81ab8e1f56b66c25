from django.contrib import admin

from djongo_core.admin import DocumentAdmin

from library.models import Article, Attachment, Author, Book, Genre


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


class TagFilter(admin.SimpleListFilter):
    """Filter articles by one of the tags in their tag lists."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = {tag for tags in Article.objects.values_list("tags", flat=True) for tag in tags}
        return [(tag, tag) for tag in sorted(tags)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__contains=[self.value()])
        return queryset


@admin.register(Article)
class ArticleAdmin(DocumentAdmin):
    list_display = ("title", "byline_name", "status", "published", "tag_list", "comment_count")
    list_filter = ("status", "published", TagFilter)
    # byline__name and comments__text reach inside the documents; tags matches any tag.
    search_fields = ("title", "byline__name", "tags", "comments__text")
    ordering = ("-published", "title")
    date_hierarchy = "published"
    fieldsets = [
        (None, {"fields": ["title", "status", "published"]}),
        ("Byline", {"fields": ["byline"]}),
        ("Tags and books", {"fields": ["tags", "books"]}),
        ("Comments", {"fields": ["comments"]}),
    ]

    @admin.display(description="by", ordering="byline__name")
    def byline_name(self, article):
        return article.byline.name if article.byline else ""

    @admin.display(description="tags")
    def tag_list(self, article):
        return ", ".join(article.tags)

    @admin.display(description="comments", ordering="comments__len")
    def comment_count(self, article):
        return len(article.comments)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("title", "file", "book")
    search_fields = ("title",)
