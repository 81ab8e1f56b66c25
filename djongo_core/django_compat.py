"""What differs between the Django versions the backend supports (5.2, 6.0 and 6.1).

The backend follows Django's features, not its version numbers: a class that a newer Django
added is looked up where it lives, and where it is missing, the translation that handles it is
left with nothing to handle, since no query on that version can hold it.
"""

import copy

from django.db.models.expressions import ExpressionWrapper, Subquery


def django_class(module, name):
    """Return Django's class `name` from `module`, or, when this Django version does not have
    it, a new empty class of that name: nothing is an instance of it, so isinstance() checks and
    dispatch on it never match."""
    found = getattr(module, name, None)
    if found is not None:
        return found
    doc = f"{module.__name__}.{name}, which this Django version does not have."
    return type(name, (), {"__module__": __name__, "__doc__": doc})


def with_resolved_subquery(lookup):
    """Return `lookup` with a plain Subquery() on its right side replaced as Django 6.0+
    resolves it: by its Query (in an ExpressionWrapper where the Subquery's output_field is of
    another type). Django 5.2 keeps the wrapper, so `pk__in=Subquery(qs)` would otherwise reach
    the compiler in a form no newer Django builds, and be compared as one value instead of
    being read as the subquery's rows, as `pk__in=qs` is. The lookup itself is left as it was
    (it belongs to the query, which may be compiled again)."""
    rhs = lookup.rhs
    if type(rhs) is not Subquery:
        return lookup
    # Subquery(template=...) is kept among the extra arguments on 5.2, as the template on 6.0+.
    if rhs.extra.get("template", rhs.template) != Subquery.template:
        return lookup
    try:
        output_field = rhs.output_field
    except AttributeError:  # a query of several columns has no single output field
        output_field = None
    replacement = rhs.query
    if output_field and type(output_field) is not type(rhs.query.output_field):
        replacement = ExpressionWrapper(rhs.query, output_field=output_field)
    resolved = copy.copy(lookup)
    resolved.rhs = replacement
    return resolved
