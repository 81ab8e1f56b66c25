from django.db import models

from djongo_geo.fields import GeometryField, PointField, PolygonField


class Place(models.Model):
    name = models.CharField(max_length=100)
    location = PointField(null=True, blank=True)

    def __str__(self):
        return self.name


class Area(models.Model):
    """Stored shapes of any kind: polygons, lines, points."""

    name = models.CharField(max_length=100)
    shape = GeometryField()

    def __str__(self):
        return self.name


class Zone(models.Model):
    name = models.CharField(max_length=100)
    boundary = PolygonField()
    center = PointField(spatial_index=False, null=True)
