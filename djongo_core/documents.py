"""How model fields map onto document keys."""


def stored_name(field):
    """Return the document key a model field is stored under (the primary key is always _id)."""
    return "_id" if field.primary_key else field.column
