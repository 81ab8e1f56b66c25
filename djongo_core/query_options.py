"""Options a plugin's QuerySet method hands down to its djongo_plan_query hook.

A tailable cursor, a hint or a search stage is asked for on a QuerySet
(``Event.objects.tail()``) but applied to the compiled plan. The options ride on the QuerySet's
``Query``, which Django copies with every clone, so they follow the QuerySet through filter(),
order_by() and slicing exactly as its other settings do.
"""

from types import MappingProxyType

_ATTRIBUTE = "djongo_plugin_options"
_EMPTY = MappingProxyType({})


def with_query_options(queryset, **options):
    """Return a clone of ``queryset`` carrying ``options`` (merged over any it had)."""
    clone = queryset._chain()
    query = clone.query
    # A new mapping each time: Query.clone() copies attributes shallowly, so changing the
    # mapping in place would change it for the QuerySets this one was cloned from.
    setattr(query, _ATTRIBUTE, MappingProxyType({**query_options(query), **options}))
    return clone


def query_options(query):
    """Return the plugin options set on a Query (a read-only mapping; empty when none)."""
    return getattr(query, _ATTRIBUTE, _EMPTY)
