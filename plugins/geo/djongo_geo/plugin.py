"""The hook implementations of the geo plugin (entry point "geo").

- djongo_translate_node: the geo lookups become $geoWithin/$geoIntersects query documents, and
  Distance() the distance key of the $geoNear stage (translation.py).
- djongo_plan_query: a query measuring a Distance() opens with $geoNear, the filter in its
  query (translation.py).

The 2dsphere indexes need no hook: the fields name their index kind (fields.py).
"""

from djongo_core.plugins import hookimpl
from djongo_geo.functions import Distance
from djongo_geo.lookups import GeoLookup
from djongo_geo.translation import distance_value, geo_near_plan, lookup_match


@hookimpl
def djongo_translate_node(node, translator, form):
    if isinstance(node, GeoLookup):
        return lookup_match(node, translator) if form == "match" else None
    if isinstance(node, Distance):
        return distance_value(node, translator) if form == "expression" else None
    return None


@hookimpl
def djongo_plan_query(compiler, plan):
    return geo_near_plan(compiler, plan)
