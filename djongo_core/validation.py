"""Model checks this backend adds to Django's (`manage.py check`, run before migrate/runserver)."""

from django.core import checks
from django.db.backends.base.validation import BaseDatabaseValidation

from djongo_core.collations import collation_document, field_collation


class DatabaseValidation(BaseDatabaseValidation):
    def check_field_type(self, field, field_type):
        """A db_collation must name a MongoDB collation: refused when the model is checked
        rather than at the first query or index that needs it."""
        name = field_collation(field)
        if not name:
            return []
        try:
            collation_document(name)
        except ValueError as error:
            return [checks.Error(str(error), obj=field, id="djongo_core.E131",
                                 hint="Change the field's db_collation.")]
        return []
