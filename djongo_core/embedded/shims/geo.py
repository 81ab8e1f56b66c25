"""Spherical geometry for the embedded engine: $geoNear in meters, $geoWithin with $centerSphere
(deviations "geonear-planar" and "centersphere-refused", shimmed).

MongoDB measures GeoJSON on a sphere of radius 6,378,100 m: `$geoNear` from a GeoJSON point
returns and limits distances in meters, sorted nearest first, and `$geoWithin: {$centerSphere:
[[lng, lat], radians]}` selects the geometries inside a spherical cap. mongoeco 4.11 measures
planar degrees in `$geoNear` (London is 3.63 from Paris, not 343,9xx m) and refuses
`$centerSphere`. The geo plugin sends both (djongo-geo's distance ordering and distance filters),
so the embedded server answers them as MongoDB does:

- `$geoNear` is replaced through mongoeco's public `register_aggregation_stage` (a registered
  stage overrides the built-in one). A legacy `[x, y]` near without `spherical` stays planar, as
  on MongoDB's 2d indexes, and goes to mongoeco's own stage.
- `$centerSphere` has no public hook: the shim wraps mongoeco's filter compiler for one field
  (`query_plan._compile_field_condition`, looked up by name at each call), turning that one
  operator into an `$expr` over a registered expression, and stands down if the function is gone.

Distances to lines and polygons are great-circle distances to their nearest edge (0 inside a
polygon; containment itself is mongoeco's planar test, exact away from the antimeridian).
"""

import math
from copy import deepcopy

from mongoeco.core import query_plan
from mongoeco.core.aggregation import (
    get_registered_aggregation_stage,
    register_aggregation_expression_operator,
    register_aggregation_stage,
    unregister_aggregation_expression_operator,
    unregister_aggregation_stage,
)
from mongoeco.core.aggregation.stages import AGGREGATION_STAGE_HANDLERS
from mongoeco.core.filtering import QueryEngine
from mongoeco.core.paths import get_document_value, set_document_value
from mongoeco.errors import OperationFailure

# MongoDB's radius of the Earth (kRadiusOfEarthInMeters), which both $geoNear and $centerSphere
# use; a distance in radians times this is meters.
EARTH_RADIUS_M = 6378.1 * 1000
WITHIN_SPHERE = "$__djongoWithinCenterSphere"

_builtin_geo_near = AGGREGATION_STAGE_HANDLERS["$geoNear"]
_compile_field_condition = getattr(query_plan, "_compile_field_condition", None)


# -- spherical geometry ---------------------------------------------------------------------------

def _unit(position):
    lng, lat = math.radians(position[0]), math.radians(position[1])
    return (math.cos(lat) * math.cos(lng), math.cos(lat) * math.sin(lng), math.sin(lat))


def _angle(a, b):
    """The angle between two unit vectors, in radians (atan2: exact for tiny and huge angles)."""
    cross = _cross(a, b)
    return math.atan2(math.sqrt(_dot(cross, cross)), _dot(a, b))


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _to_segment(p, a, b):
    """Angular distance from p to the minor great-circle arc a-b."""
    normal = _cross(a, b)
    length = math.sqrt(_dot(normal, normal))
    if length < 1e-15:
        return _angle(p, a)
    normal = tuple(c / length for c in normal)
    # The foot of the perpendicular from p onto the great circle, if it lies on the arc.
    height = _dot(p, normal)
    foot = tuple(pc - height * nc for pc, nc in zip(p, normal))
    size = math.sqrt(_dot(foot, foot))
    if size > 1e-15:
        foot = tuple(c / size for c in foot)
        if abs(_angle(a, foot) + _angle(foot, b) - _angle(a, b)) < 1e-12:
            return abs(math.asin(max(-1.0, min(1.0, height))))
    return min(_angle(p, a), _angle(p, b))


def _positions(geometry):
    """Yield every position of a GeoJSON geometry."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        yield coordinates
    elif kind in ("MultiPoint", "LineString"):
        yield from coordinates
    elif kind in ("MultiLineString", "Polygon"):
        for line in coordinates:
            yield from line
    elif kind == "MultiPolygon":
        for polygon in coordinates:
            for ring in polygon:
                yield from ring
    elif kind == "GeometryCollection":
        for part in geometry.get("geometries", []):
            yield from _positions(part)


def _lines(geometry):
    """Yield the lines (lists of positions) of a GeoJSON geometry: its edges and its points."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        yield [coordinates]
    elif kind == "MultiPoint":
        yield from ([position] for position in coordinates)
    elif kind == "LineString":
        yield coordinates
    elif kind in ("MultiLineString", "Polygon"):
        yield from coordinates
    elif kind == "MultiPolygon":
        for polygon in coordinates:
            yield from polygon
    elif kind == "GeometryCollection":
        for part in geometry.get("geometries", []):
            yield from _lines(part)


def _covers(geometry, position):
    """Whether a (multi)polygon holds the position (mongoeco's planar test, shapely)."""
    from shapely.geometry import Point, shape

    if geometry.get("type") == "GeometryCollection":
        return any(_covers(part, position) for part in geometry.get("geometries", []))
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return False
    return shape(geometry).covers(Point(position[0], position[1]))


def sphere_distance(position, geometry):
    """Return the angular distance (radians) from a [lng, lat] position to a GeoJSON geometry,
    or None when the value is not one."""
    if isinstance(geometry, (list, tuple)) and len(geometry) == 2:
        geometry = {"type": "Point", "coordinates": list(geometry)}
    if not isinstance(geometry, dict):
        return None
    try:
        lines = [[_unit(p) for p in line] for line in _lines(geometry)]
        if not lines:
            return None
        if _covers(geometry, position):
            return 0.0
    except (TypeError, ValueError, IndexError):
        return None
    p = _unit(position)
    best = math.inf
    for line in lines:
        if len(line) == 1:
            best = min(best, _angle(p, line[0]))
        for a, b in zip(line, line[1:]):
            best = min(best, _to_segment(p, a, b))
    return best


def within_cap(geometry, center, radius):
    """Whether every position of a geometry is within `radius` radians of `center`."""
    if isinstance(geometry, (list, tuple)) and len(geometry) == 2:
        geometry = {"type": "Point", "coordinates": list(geometry)}
    if not isinstance(geometry, dict):
        return False
    try:
        positions = list(_positions(geometry))
        c = _unit(center)
        return bool(positions) and all(_angle(c, _unit(p)) <= radius for p in positions)
    except (TypeError, ValueError, IndexError):
        return False


# -- $geoNear --------------------------------------------------------------------------------------

def _near_point(near):
    """Return ([lng, lat], GeoJSON?) for $geoNear's near."""
    if isinstance(near, dict) and near.get("type") == "Point":
        coordinates = near.get("coordinates")
        geojson = True
    else:
        coordinates, geojson = near, False
    if (not isinstance(coordinates, (list, tuple)) or len(coordinates) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool)
                       for c in coordinates)):
        raise OperationFailure("$geoNear requires near to be a GeoJSON point or a legacy "
                               "coordinate pair", code=2)
    return [float(coordinates[0]), float(coordinates[1])], geojson


def _number(spec, name):
    value = spec.get(name)
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise OperationFailure(f"$geoNear {name} must be a non-negative number", code=2)
    return float(value)


def geo_near(documents, spec, context):
    """$geoNear as MongoDB runs it on a 2dsphere index (GeoJSON near: meters)."""
    if not isinstance(spec, dict):
        raise OperationFailure("$geoNear requires a document specification", code=2)
    if context.stage_index != 0:
        raise OperationFailure("$geoNear is only valid as the first stage in a pipeline",
                               code=40603)
    position, geojson = _near_point(spec.get("near"))
    if not geojson and not spec.get("spherical"):
        # A legacy pair without spherical: planar, as a 2d index measures.
        return _builtin_geo_near(documents, spec, context)
    distance_field, key = spec.get("distanceField"), spec.get("key")
    if not isinstance(distance_field, str) or not distance_field:
        raise OperationFailure("$geoNear requires a 'distanceField' option as a String", code=2)
    if not isinstance(key, str) or not key:
        raise OperationFailure("$geoNear needs 'key' on the embedded engine (MongoDB can infer "
                               "it from the only geo index)", code=2)
    query = spec.get("query") or {}
    if not isinstance(query, dict):
        raise OperationFailure("$geoNear query must be a document", code=2)
    # GeoJSON distances are meters, legacy spherical ones radians.
    scale = EARTH_RADIUS_M if geojson else 1.0
    minimum, maximum = _number(spec, "minDistance"), _number(spec, "maxDistance")
    multiplier = _number(spec, "distanceMultiplier")
    include_locs = spec.get("includeLocs")
    found = []
    for document in documents:
        if query and not QueryEngine.match(document, query, dialect=context.dialect,
                                           collation=context.collation,
                                           variables=context.variables):
            continue
        present, location = get_document_value(document, key)
        if not present:
            continue
        angle = sphere_distance(position, location)
        if angle is None:
            continue
        distance = angle * scale
        if minimum is not None and distance < minimum:
            continue
        if maximum is not None and distance > maximum:
            continue
        result = deepcopy(document)
        set_document_value(result, distance_field,
                           distance * multiplier if multiplier is not None else distance)
        if include_locs:
            set_document_value(result, include_locs, deepcopy(location))
        found.append((distance, result))
    found.sort(key=lambda item: item[0])
    return [document for _, document in found]


# -- $geoWithin: {$centerSphere: [[lng, lat], radians]} -----------------------------------------

def _center_sphere(value):
    """Return (center, radius) of a $geoWithin's $centerSphere, or None for other shapes."""
    if not isinstance(value, dict) or set(value) != {"$centerSphere"}:
        return None
    operand = value["$centerSphere"]
    if (isinstance(operand, (list, tuple)) and len(operand) == 2
            and isinstance(operand[0], (list, tuple)) and len(operand[0]) == 2
            and all(isinstance(c, (int, float)) and not isinstance(c, bool)
                    for c in (*operand[0], operand[1]))
            and operand[1] >= 0):
        return [float(operand[0][0]), float(operand[0][1])], float(operand[1])
    raise OperationFailure("$centerSphere requires [[lng, lat], radius in radians]", code=2)


def within_center_sphere(document, arguments, variables, dialect, context):
    """The registered expression: [value, lng, lat, radians] -> bool (missing/null: false)."""
    value = context.evaluate_expression_with_missing(document, arguments[0], variables)
    return within_cap(value, [arguments[1], arguments[2]], arguments[3])


def compile_field_condition(field, condition, *args, **kwargs):
    if isinstance(condition, dict) and "$geoWithin" in condition:
        sphere = _center_sphere(condition["$geoWithin"])
        if sphere is not None:
            (lng, lat), radius = sphere
            node = query_plan.ExprCondition(
                {WITHIN_SPHERE: [f"${field}", lng, lat, radius]})
            rest = {k: v for k, v in condition.items() if k != "$geoWithin"}
            if not rest:
                return node
            return query_plan.AndCondition(
                (node, _compile_field_condition(field, rest, *args, **kwargs)))
    return _compile_field_condition(field, condition, *args, **kwargs)


def install():
    """Register the spherical $geoNear and teach filters $centerSphere (idempotent)."""
    if get_registered_aggregation_stage("$geoNear") is None:
        register_aggregation_stage("$geoNear", geo_near)
    register_aggregation_expression_operator(WITHIN_SPHERE, within_center_sphere)
    if (_compile_field_condition is not None
            and query_plan._compile_field_condition is _compile_field_condition):
        query_plan._compile_field_condition = compile_field_condition


def uninstall():
    if get_registered_aggregation_stage("$geoNear") is geo_near:
        unregister_aggregation_stage("$geoNear")
    unregister_aggregation_expression_operator(WITHIN_SPHERE)
    if _compile_field_condition is not None:
        query_plan._compile_field_condition = _compile_field_condition
