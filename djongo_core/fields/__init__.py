"""Model fields that only make sense on MongoDB."""

from djongo_core.fields.objectid import ObjectIdAutoField, ObjectIdField

__all__ = ["ObjectIdAutoField", "ObjectIdField"]
