"""$dateTrunc with its timezone and startOfWeek options (deviation "datetrunc-timezone")."""

import datetime
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mongoeco.errors import OperationFailure

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# MongoDB takes offsets as +/-HH:MM, +/-HHMM or +/-HH.
_OFFSET = re.compile(r"^([+-])(\d{2})(?::?(\d{2}))?$")


def _zone(name):
    if name in (None, "UTC", "GMT", "Z"):
        return datetime.UTC
    if offset := _OFFSET.match(name):
        sign, hours, minutes = offset.groups()
        delta = datetime.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return datetime.timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OperationFailure(f"$dateTrunc: unrecognized time zone identifier {name!r}") from None


def _truncate(local, unit, start_of_week):
    if unit == "year":
        return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "quarter":
        month = 3 * ((local.month - 1) // 3) + 1
        return local.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "month":
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "week":
        first = next((i for i, name in enumerate(WEEKDAYS)
                      if name.startswith(start_of_week.lower()[:3])), None)
        if first is None or len(start_of_week) < 3:
            raise OperationFailure(f"$dateTrunc startOfWeek {start_of_week!r} is invalid")
        return day - datetime.timedelta(days=(local.weekday() - first) % 7)
    if unit == "day":
        return day
    if unit == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    if unit == "minute":
        return local.replace(second=0, microsecond=0)
    if unit == "second":
        return local.replace(microsecond=0)
    if unit == "millisecond":
        return local.replace(microsecond=local.microsecond // 1000 * 1000)
    raise OperationFailure(f"$dateTrunc unit {unit!r} is invalid")


def date_trunc(document, spec, variables, dialect, context):
    """MongoDB's $dateTrunc with its timezone and startOfWeek options (binSize 1)."""
    if not isinstance(spec, dict) or not {"date", "unit"} <= spec.keys():
        raise OperationFailure("$dateTrunc requires date and unit")

    def argument(name, default=None):
        if name not in spec:
            return default
        return context.evaluate_expression(document, spec[name], variables)

    value = argument("date")
    if value is None:
        return None
    if argument("binSize", 1) != 1:
        raise OperationFailure("the embedded engine's $dateTrunc supports binSize 1 only")
    zone = _zone(argument("timezone"))
    instant = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    local = instant.astimezone(zone).replace(tzinfo=None)
    truncated = _truncate(local, argument("unit"), argument("startOfWeek", "sunday"))
    return truncated.replace(tzinfo=zone).astimezone(datetime.UTC).replace(tzinfo=None)
