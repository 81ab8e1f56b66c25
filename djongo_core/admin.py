"""Admin support for documents with nested data.

    from djongo_core.admin import DocumentAdmin

    @admin.register(Article)
    class ArticleAdmin(DocumentAdmin):
        ...

DocumentAdmin is a ModelAdmin whose embedded documents (EmbeddedModelField,
EmbeddedModelArrayField) get the admin's own widgets for their fields, as the model's other
fields do: the calendar for a date, the admin's text areas. A plain ModelAdmin edits them too,
with Django's default form widgets.
"""

from django.contrib import admin

from djongo_core.fields import EmbeddedModelArrayField, EmbeddedModelField


class DocumentAdminMixin:
    """Give the fields of embedded documents the widgets this admin gives its model's fields."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, (EmbeddedModelField, EmbeddedModelArrayField)):
            def formfield_callback(inner_field, **inner_kwargs):
                return self.formfield_for_dbfield(inner_field, request, **inner_kwargs)

            kwargs["formfield_callback"] = formfield_callback
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class DocumentAdmin(DocumentAdminMixin, admin.ModelAdmin):
    pass
