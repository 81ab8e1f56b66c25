"""JSON for views: ObjectIds, Decimal128 and embedded documents in a JsonResponse.

    from djongo_core.encoders import MongoJSONEncoder
    return JsonResponse({"id": post.pk, "author": post.author}, encoder=MongoJSONEncoder)
"""

from bson import Decimal128, ObjectId
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from djongo_core.fields.embedded import EmbeddedModelField


class MongoJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder that also writes ObjectIds as their 24 hex digits, Decimal128 as a
    decimal string and a model instance (an embedded document) as a dictionary of its stored
    fields."""

    def default(self, o):
        if isinstance(o, ObjectId):
            return str(o)
        if isinstance(o, Decimal128):
            return super().default(o.to_decimal())
        if isinstance(o, models.Model):
            return EmbeddedModelField(type(o)).serializable(o)
        return super().default(o)
