"""A model as it is after a schema change, for whoever must describe the collection from it.

Django hands the schema editor the model as it was *before* some changes (remove_field, and
alter_field gets the old model with the new field beside it), and the editor's own callers
(Django's tests, RunPython code) may pass fields and constraints the model does not hold. The
collection options (a validator generated from the fields, CheckConstraints) must describe the
model after the change, so the editor builds that model here, as Django's sqlite3 editor builds
the table it copies into: a throwaway class in a registry of its own, holding copies of the
fields, never registered with the project's apps.
"""

import copy

from django.apps.registry import Apps


def model_after(model, *, add=(), remove=(), constraints=None, indexes=None, db_table=None):
    """Return a throwaway model class like ``model`` with fields added, replaced (a field in
    ``add`` with the name or column of one in ``remove``) or removed, and the given
    constraints, indexes and collection name when they are given.

    Returns ``model`` itself when nothing changes.
    """
    if not add and not remove and constraints is None and indexes is None and db_table is None:
        return model
    removed = {field.name for field in remove}
    body = {field.name: field for field in model._meta.local_concrete_fields
            if field.name not in removed}
    for field in add:
        body[field.name] = field
    body = copy.deepcopy(body)
    meta = type("Meta", (), {
        "app_label": model._meta.app_label,
        "db_table": db_table or model._meta.db_table,
        "indexes": list(model._meta.indexes if indexes is None else indexes),
        "constraints": list(model._meta.constraints if constraints is None else constraints),
        "apps": Apps(),
    })
    return type(model._meta.object_name, model.__bases__,
                {**body, "Meta": meta, "__module__": model.__module__})


def with_constraint(model, constraint):
    """Return the model holding ``constraint`` (one of the same name replaced)."""
    return model_after(model, constraints=[
        *(c for c in model._meta.constraints if c.name != constraint.name), constraint])


def without_constraint(model, constraint):
    """Return the model without the constraint named like ``constraint``."""
    return model_after(model, constraints=[
        c for c in model._meta.constraints if c.name != constraint.name])
