"""The djongo_geo app: the map widget's template and static files, and the GeoDjango check."""

from django.apps import AppConfig
from django.core import checks


class GeoConfig(AppConfig):
    name = "djongo_geo"
    verbose_name = "djongo geo"

    def ready(self):
        from djongo_geo.checks import check_geodjango_fields

        checks.register(check_geodjango_fields, checks.Tags.models)
