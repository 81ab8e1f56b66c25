"""What differs between the Django versions the backend supports (5.2, 6.0 and 6.1).

The backend follows Django's features, not its version numbers: a class that a newer Django
added is looked up where it lives, and where it is missing, the translation that handles it is
left with nothing to handle, since no query on that version can hold it.
"""


def django_class(module, name):
    """Return Django's class `name` from `module`, or, when this Django version does not have
    it, a new empty class of that name: nothing is an instance of it, so isinstance() checks and
    dispatch on it never match."""
    found = getattr(module, name, None)
    if found is not None:
        return found
    doc = f"{module.__name__}.{name}, which this Django version does not have."
    return type(name, (), {"__module__": __name__, "__doc__": doc})
