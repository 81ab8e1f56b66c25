"""Model fields that only make sense on MongoDB: keys, arrays and documents inside documents."""

from djongo_core.fields.arrays import ArrayField
from djongo_core.fields.embedded import EmbeddedModelArrayField, EmbeddedModelField
from djongo_core.fields.objectid import ObjectIdAutoField, ObjectIdField
from djongo_core.fields.references import ArrayReferenceField

__all__ = [
    "ArrayField",
    "ArrayReferenceField",
    "EmbeddedModelArrayField",
    "EmbeddedModelField",
    "ObjectIdAutoField",
    "ObjectIdField",
]
