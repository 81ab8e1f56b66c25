"""System checks of the geo fields, with ids djongo_geo.E001... and W001.

- E001: a geometry field on a database without "geo" in PLUGINS (its lookups and Distance()
  would not be translated).
- E002: a geometry field inside an embedded model (djongo_core's EmbeddedModelField): the
  embedded model has no collection, so no 2dsphere index is made for it.
- E003: GeoDjango's own fields (django.contrib.gis) on a djongo-core database.
- E004: the widget's templates and static files need "djongo_geo" in INSTALLED_APPS.
- W001: spatial_index=False without a TwoDSphereIndex: Distance() queries are refused, and
  MongoDB runs the other geo filters without an index (a collection scan).
"""

from django.apps import apps
from django.core import checks
from django.db import connections, router

ENGINE = "djongo_core"


def _databases(kwargs, model=None):
    """The djongo-core databases a check runs for; with ``model``, those the routers let it
    migrate to (a model routed elsewhere needs no plugin on this one)."""
    return [alias for alias in kwargs.get("databases") or []
            if connections[alias].settings_dict.get("ENGINE") == ENGINE
            and (model is None or router.allow_migrate_model(alias, model))]


def check_geometry_field(field, **kwargs):
    model = field.model
    label = f"{model._meta.label}.{field.name}"
    errors = []
    for alias in _databases(kwargs, model):
        if "geo" not in (connections[alias].settings_dict.get("PLUGINS") or []):
            errors.append(checks.Error(
                f"{label} is a geometry field, and database {alias!r} does not enable the geo "
                "plugin, which translates its lookups and Distance().",
                hint=f'Add "geo" to DATABASES[{alias!r}]["PLUGINS"].',
                obj=field, id="djongo_geo.E001"))
    holders = [f"{other._meta.label}.{holder.name}" for other in apps.get_models()
               for holder in other._meta.get_fields()
               if getattr(holder, "embedded_model", None) is model]
    if holders:
        errors.append(checks.Error(
            f"{label} is a geometry field of an embedded model (held by {', '.join(holders)}); "
            "an embedded model has no collection, so migrations make no 2dsphere index for it.",
            hint="Declare djongo_indexes.TwoDSphereIndex on the path in the outer model, or "
                 "move the field to the outer model.",
            obj=field, id="djongo_geo.E002"))
    if not field.db_index and not any(
            type(index).__name__ == "TwoDSphereIndex" and field.name in index.fields
            for index in model._meta.indexes):
        errors.append(checks.Warning(
            f"{label} has spatial_index=False and no TwoDSphereIndex: Distance() over it is "
            "refused ($geoNear needs the index), and geo filters scan the whole collection.",
            hint="Remove spatial_index=False, or add a TwoDSphereIndex to Meta.indexes.",
            obj=field, id="djongo_geo.W001"))
    if field.editable and not apps.is_installed("djongo_geo"):
        errors.append(checks.Error(
            f"{label} is edited with djongo_geo's map widget, whose template and static files "
            "come with the 'djongo_geo' app, which is not in INSTALLED_APPS.",
            hint='Add "djongo_geo" to INSTALLED_APPS.', obj=field, id="djongo_geo.E004"))
    return errors


def check_geodjango_fields(app_configs=None, databases=None, **kwargs):
    """E003: GeoDjango's fields need a spatial SQL backend; djongo_geo's fields replace them."""
    if not _databases({"databases": databases}):
        return []
    errors = []
    for model in apps.get_models():
        if not _databases({"databases": databases}, model):
            continue
        for field in model._meta.local_fields:
            if type(field).__module__.startswith("django.contrib.gis."):
                errors.append(checks.Error(
                    f"{model._meta.label}.{field.name} is GeoDjango's {type(field).__name__}, "
                    "which needs a spatial SQL backend (GDAL, GEOS, PostGIS/SpatiaLite "
                    "operations); djongo-core does not provide one.",
                    hint=f"Use djongo_geo.{type(field).__name__} (GeoJSON, same lookups and "
                         "Distance()), with djongo_geo's Point/Polygon values instead of "
                         "GEOSGeometry.",
                    obj=field, id="djongo_geo.E003"))
    return errors
