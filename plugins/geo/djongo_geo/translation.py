"""The geo lookups and Distance() as MQL, and the $geoNear stage that computes distances.

MongoDB's geo query operators live only in query documents: ``$geoWithin`` (with ``$geometry``
or, for distances, ``$centerSphere``), ``$geoIntersects``. The plugin never sends ``$near``: it
cannot be counted or combined with ``$or``, and needs a sort of its own. Distances come from a
``$geoNear`` stage, which MongoDB accepts only as a pipeline's first stage, once.
"""

import json

from django.db import NotSupportedError
from django.db.models.expressions import Col
from django.db.models.sql.where import WhereNode

from djongo_core.plugins import stored_name
from djongo_geo import geometry as geo
from djongo_geo import lookups
from djongo_geo.functions import DISTANCE_KEY, Distance

# MongoDB's radius of the Earth for $centerSphere and $geoNear (kRadiusOfEarthInMeters).
EARTH_RADIUS_M = 6378.1 * 1000


def _path(node, translator):
    if not isinstance(node.lhs, Col):
        raise NotSupportedError(f"The {node.lookup_name} lookup applies to a geometry field "
                                f"itself, not to {node.lhs!r}.")
    return translator.field_path(node.lhs)


def _field(node):
    return node.lhs.target


def lookup_match(node, translator):
    """Return the query document of a geo lookup."""
    path = _path(node, translator)
    label = f"{_field(node).model._meta.label}.{_field(node).name}"
    if isinstance(node, lookups.DistanceLookup):
        point, distance = node.rhs
        kind = _field(node).geom_type
        if kind not in (None, "Point"):
            raise NotSupportedError(
                f"{node.lookup_name} on {label} ({kind}): MongoDB's distance filter "
                "($geoWithin $centerSphere) keeps whole geometries inside a circle, which is "
                "not their distance. Use a PointField, or annotate(d=Distance(...)) and "
                "filter(d__lte=D(...)), which measures to the nearest edge.")
        within = {path: {"$geoWithin": {"$centerSphere": [
            point.coordinates, distance.meters / EARTH_RADIUS_M]}}}
        return within if node.inside else {"$nor": [{path: None}, within]}
    shape = node.rhs
    if isinstance(node, lookups.Within):
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            raise NotSupportedError(
                f"within on {label} takes a Polygon or MultiPolygon, not a {shape.geom_type}: "
                "MongoDB's $geoWithin $geometry has no other shapes.")
        return {path: {"$geoWithin": {"$geometry": shape.geojson}}}
    if isinstance(node, lookups.Contains) and not isinstance(shape, geo.Point):
        raise NotSupportedError(
            f"contains on {label} takes a Point, not a {shape.geom_type}: MongoDB has no "
            "operator for a stored geometry containing a shape (a point it contains is one it "
            "intersects). Filter with intersects, or reverse the roles with within.")
    intersects = {path: {"$geoIntersects": {"$geometry": shape.geojson}}}
    if isinstance(node, lookups.Disjoint):
        return {"$nor": [{path: None}, intersects]}
    return intersects


def distance_value(node, translator):
    """Return the aggregation expression of a Distance: the key $geoNear writes to."""
    query = translator.query
    column = node.get_source_expressions()[0]
    if not isinstance(column, Col):
        raise NotSupportedError(f"Distance() measures from a geometry field, not {column!r}.")
    if column.alias != query.base_table:
        raise NotSupportedError(
            f"Distance() over {column.target.model._meta.label}.{column.target.name} reaches "
            f"across a join from {query.model._meta.label}: MongoDB's $geoNear reads the "
            "queried collection's own 2dsphere index only. Query that model instead.")
    if getattr(query, "subquery", False):
        raise NotSupportedError(
            "Distance() inside a subquery: MongoDB's $geoNear must open the outer pipeline. "
            "Run the distance query on its own.")
    return "$" + DISTANCE_KEY


# -- the $geoNear stage -------------------------------------------------------------------------

def _distances(query):
    found = []
    expressions = [*query.annotations.values(), *(
        item for item in query.order_by if not isinstance(item, str))]
    if query.where is not None:
        expressions.append(query.where)
    for expression in expressions:
        for node in _walk(expression):
            if isinstance(node, Distance) and node not in found:
                found.append(node)
    inner = getattr(query, "inner_query", None)
    if inner is not None:
        found.extend(node for node in _distances(inner) if node not in found)
    return found


def _walk(node):
    """Yield an expression (or WHERE tree) and every node inside it."""
    yield node
    children = node.children if isinstance(node, WhereNode) else (
        node.get_source_expressions() if hasattr(node, "get_source_expressions") else [])
    for child in children:
        if child is not None:
            yield from _walk(child)


def _has_2dsphere_index(model, field):
    if field.db_index and getattr(field, "mongo_index_kind", None) == "2dsphere":
        return True
    # A TwoDSphereIndex of the indexes plugin (or any index kind declaring 2dsphere keys).
    return any(type(index).__name__ == "TwoDSphereIndex" and field.name in index.fields
               for index in model._meta.indexes)


def geo_near_plan(compiler, plan):
    """Return the plan opened by $geoNear when the query measures a Distance, else None."""
    query = compiler.query
    distances = _distances(query)
    if not distances:
        return None
    model = plan.model or query.model
    if len(distances) > 1:
        raise NotSupportedError(
            f"The query on {model._meta.label} measures {len(distances)} different distances; "
            "MongoDB computes one per query (one $geoNear, the first stage). Keep one "
            "Distance() and compute the others in Python.")
    distance = distances[0]
    column = distance.get_source_expressions()[0]
    field = column.target
    if not _has_2dsphere_index(field.model, field):
        raise NotSupportedError(
            f"Distance() over {field.model._meta.label}.{field.name} needs a 2dsphere index, "
            "which MongoDB's $geoNear reads: set spatial_index=True (the default) on the "
            "field, or add a TwoDSphereIndex, and migrate.")
    stage = {"near": distance.point.geojson, "distanceField": DISTANCE_KEY,
             "key": stored_name(field), "spherical": True}
    pipeline = plan.pipeline()
    if pipeline and set(pipeline[0]) == {"$match"} and _movable(pipeline[0]["$match"]):
        stage["query"] = pipeline.pop(0)["$match"]
    return plan.with_pipeline([{"$geoNear": stage}, *pipeline])


def _movable(match):
    """Whether a $match can be $geoNear's query (it reads no distance, searches no text)."""
    text = json.dumps(match, default=str)
    return DISTANCE_KEY not in text and '"$text"' not in text and '"$expr"' not in text
