"""Distances with units: ``D(km=5)``, ``D(mi=3)``; MongoDB measures in meters on a sphere."""

import functools

# Meters per unit.
UNITS = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "ft": 0.3048, "yd": 0.9144, "nm": 1852.0}


@functools.total_ordering
class D:
    """A distance. ``D(km=1, m=500)`` adds up; ``d.m``, ``d.km``, ``d.mi``... read it back."""

    def __init__(self, **units):
        unknown = set(units) - set(UNITS)
        if unknown or not units:
            raise ValueError(f"D() takes distances in {', '.join(UNITS)}, such as D(km=5); "
                             f"got {', '.join(sorted(units)) or 'nothing'}.")
        meters = 0.0
        for unit, value in units.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"D({unit}=...) takes a number, not {value!r}.")
            meters += value * UNITS[unit]
        self.meters = meters

    def __getattr__(self, unit):
        if unit in UNITS:
            return self.meters / UNITS[unit]
        raise AttributeError(unit)

    def __eq__(self, other):
        return isinstance(other, D) and self.meters == other.meters

    def __lt__(self, other):
        if not isinstance(other, D):
            return NotImplemented
        return self.meters < other.meters

    def __hash__(self):
        return hash(self.meters)

    def __add__(self, other):
        if not isinstance(other, D):
            return NotImplemented
        return D(m=self.meters + other.meters)

    def __sub__(self, other):
        if not isinstance(other, D):
            return NotImplemented
        return D(m=self.meters - other.meters)

    def __mul__(self, number):
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return NotImplemented
        return D(m=self.meters * number)

    __rmul__ = __mul__

    def __truediv__(self, number):
        if isinstance(number, D):
            return self.meters / number.meters
        return D(m=self.meters / number)

    def __repr__(self):
        return f"D(m={self.meters:g})"


Distance = D  # GeoDjango's name for the measure (django.contrib.gis.measure.Distance)


def meters(value, what):
    """Return a D's meters; anything else (a bare number) is refused, naming D()."""
    if isinstance(value, D):
        return value.meters
    raise ValueError(f"{what} takes a distance with units, such as D(km=5) or D(m=500) "
                     f"(from djongo_geo import D), not {value!r}: MongoDB measures in meters "
                     "and a bare number could be degrees, miles or meters.")
