"""validate_on_save: full_clean() before every save() of a validated model.

Runs the fields' validators and clean() (not the uniqueness queries: unique indexes refuse
duplicates on the server anyway), so a save raises the ValidationError a form would show, naming
the field, instead of sending a document. Like every pre_save receiver it does not see
bulk_create() or QuerySet.update(); the collection's validator still holds those to the schema.
"""

from django.db import connections

from djongo_schema_validation.settings import is_enabled, model_validation


def validate_before_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if raw:  # loaddata writes fixtures as they are, as Django does
        return
    connection = connections[using or "default"]
    if not is_enabled(connection):
        return
    validation = model_validation(connection, type(instance)._meta.concrete_model)
    if validation is None or not validation.validate_on_save:
        return
    exclude = None
    if update_fields is not None:
        exclude = {field.name for field in instance._meta.concrete_fields
                   if field.name not in update_fields and field.attname not in update_fields}
    instance.full_clean(exclude=exclude, validate_unique=False)
