"""DATABASES[alias]["TIME_ZONE"]: datetimes stored as the wall-clock time of a zone.

A BSON date is a UTC instant, and by default the backend stores aware datetimes so. Django's
TIME_ZONE database option is for databases whose datetimes have no time zone: it says the
stored values are the wall-clock time of that zone instead. That is what an application wrote
that saved naive local datetimes through a driver, which stores a naive datetime as if it were
UTC: djongo 1.x with USE_TZ = False, or a pymongo script calling datetime.now(). Setting the
option to the zone the data was written in lets such a database be read, and written on, with
USE_TZ = True.

With the option set, a DateTimeField value in a query is always that wall-clock time written
as if it were UTC: stored values, the values compared with them (operations.py turns aware
datetimes into the zone's wall-clock time) and the values the server computes (Now(), Trunc
of a datetime). A function that works in a time zone (Extract, Trunc) then needs the instant a
value stands for, unless it asks for the database's own zone, whose wall-clock parts are the
stored parts as they are.
"""

from django.conf import settings

from djongo_core.compiler.lookups import is_computed, is_null

# The parts of a date, as $dateFromParts names them, and the operators that read them.
_PARTS = (("year", "$year"), ("month", "$month"), ("day", "$dayOfMonth"), ("hour", "$hour"),
          ("minute", "$minute"), ("second", "$second"), ("millisecond", "$millisecond"))


def stored_zone(connection):
    """Return the zone (as MongoDB names it) whose wall-clock time stored datetimes are, or None
    when they are UTC instants: with the option unset or UTC, and with USE_TZ = False, where
    naive datetimes are stored as given and read back as such."""
    if not settings.USE_TZ:
        return None
    name = connection.timezone_name
    return None if name == "UTC" else mongodb_timezone(name)


def mongodb_timezone(name):
    """Return a time zone as MongoDB names it: a fixed offset's "UTC+05:00" (Python's name for
    datetime.timezone(timedelta(hours=5))) is "+05:00"; Olson names stay."""
    if name.startswith("UTC") and name[3:4] in ("+", "-"):
        return name[3:]
    return name


def date_argument(value, timezone_name, zone):
    """Return the {"date", "timezone"} argument of a date operator that reads value (a datetime
    as stored) in timezone_name (None: as stored), for datetimes stored in zone."""
    if timezone_name is None:
        return {"date": value}
    timezone_name = mongodb_timezone(timezone_name)
    if zone is None:
        return {"date": value, "timezone": timezone_name}
    if timezone_name == zone:
        # The stored parts are that zone's wall-clock time already.
        return {"date": value}
    return {"date": as_instant(value, zone), "timezone": timezone_name}


def as_instant(value, zone):
    """Return the instant that value, the wall-clock time of zone written as UTC, stands for."""
    built = {"$dateFromParts": {**{part: {operator: value} for part, operator in _PARTS},
                                "timezone": zone}}
    return _null_when_null(value, built)


def as_wall_clock(instant, zone):
    """Return an instant as the wall-clock time of zone written as UTC (how such a database
    stores it)."""
    local = {"date": instant, "timezone": zone}
    built = {"$dateFromParts": {part: {operator: local} for part, operator in _PARTS}}
    return _null_when_null(instant, built)


def _null_when_null(value, built):
    # SQL's NULL stays NULL; $$NOW and constants never are.
    if not is_computed(value) or value == "$$NOW":
        return built
    return {"$cond": [is_null(value), None, built]}
