"""What MongoDB refuses on a capped collection, raised naming the model and the way out.

The core already turns every pymongo error into a Django error naming the collection and the
operation; for a capped model's collection this adds the model, the CappedCollection that makes
it capped, and what to do instead.
"""

from django.apps import apps
from django.db import NotSupportedError
from pymongo import errors as mongo_errors

from djongo_tailable.capped import capped_constraint

# (words in MongoDB's message, what to do instead), first match wins.
HINTS = (
    ("transaction", "MongoDB refuses writes to capped collections inside a multi-document "
                    "transaction: write outside transaction.atomic() (or drop the "
                    "CappedCollection)."),
    ("ttl", "A capped collection removes its oldest documents itself; remove the TTL index "
            "(or drop the CappedCollection)."),
    ("size of a document", "A document of a capped collection cannot grow; update fields "
                           "without making the document bigger (or drop the CappedCollection)."),
    ("tailable", "tail() needs the collection to be capped: migrate the CappedCollection."),
)


def capped_model(command):
    """The capped model ``command`` serves, found by its collection when it does not say."""
    models = [command.model] if command.model is not None else [
        model for model in apps.get_models() if model._meta.db_table == command.collection]
    for model in models:
        if capped_constraint(model) is not None:
            return model
    return None


def refusal_naming_the_model(command, error):
    """A NotSupportedError for a server refusal due to the collection being capped, else None."""
    if not isinstance(error, mongo_errors.OperationFailure) or command.collection is None \
            and command.model is None:
        return None
    message = str(error)
    if "capped" not in message.lower():
        return None
    model = capped_model(command)
    if model is None:
        return None
    constraint = capped_constraint(model)
    hint = next((text for words, text in HINTS if words in message.lower()),
                "See what MongoDB allows on capped collections: "
                "https://www.mongodb.com/docs/manual/core/capped-collections/")
    return NotSupportedError(
        f"{model._meta.label} is capped (CappedCollection {constraint.name!r}), and MongoDB "
        f"refused {command.operation} on collection {model._meta.db_table!r}: {message} {hint}"
    )
