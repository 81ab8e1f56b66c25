"""Fixes for embedded-engine (mongoeco) gaps that would hurt its users, and only for it.

The backend always sends the MQL MongoDB 7.0+ expects. Where mongoeco lacks something that MQL
needs, a shim teaches the embedded engine, through mongoeco's public extension API, inside the
embedded server only; a real MongoDB never sees any of this. Each shim is listed in
docs/engine-deviations.md, tested in tests/test_embedded_shims.py, and reported obsolete by those
tests as soon as mongoeco handles the case itself (then delete the shim).
"""

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mongoeco import MongoClient
from mongoeco.core.aggregation import (
    get_registered_aggregation_expression_operator,
    register_aggregation_expression_operator,
    unregister_aggregation_expression_operator,
)
from mongoeco.errors import OperationFailure

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


@dataclass(frozen=True)
class Shim:
    operator: str
    handler: object
    # An aggregation mongoeco fails on while it still needs the shim.
    probe: list


def _not(document, spec, variables, dialect, context):
    """MongoDB's {$not: [expression]}: true for false, null, 0 and missing values."""
    # MongoDB takes the argument alone or as a one-element list.
    (argument,) = context.require_expression_args("$not", spec if isinstance(spec, list) else [spec],
                                                  1, 1)
    value = context.evaluate_expression(document, argument, variables)
    return not dialect.expression_truthy(value)


def _zone(name):
    if name in (None, "UTC", "GMT", "Z"):
        return datetime.UTC
    if offset := _OFFSET.match(name):
        sign, hours, minutes = offset.groups()
        delta = datetime.timedelta(hours=int(hours), minutes=int(minutes))
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


def _date_trunc(document, spec, variables, dialect, context):
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


SHIMS = [
    # Deviation "not-expression-missing": mongoeco 4.11 rejects the $not aggregation
    # expression, which Django needs for negated conditions in annotations and Case/When.
    Shim("$not", _not, [{"$project": {"x": {"$not": [True]}}}]),
    # Deviation "datetrunc-timezone": mongoeco 4.11's $dateTrunc accepts no timezone but UTC,
    # which Trunc*() needs under USE_TZ with any other TIME_ZONE.
    Shim("$dateTrunc", _date_trunc, [{"$project": {"x": {"$dateTrunc": {
        "date": datetime.datetime(2021, 3, 14, 15), "unit": "day",
        "timezone": "America/Chicago"}}}}]),
]


def still_needed(shim):
    """Return whether mongoeco itself still fails the shim's probe (the shim set aside)."""
    installed = get_registered_aggregation_expression_operator(shim.operator)
    if installed is not None:
        unregister_aggregation_expression_operator(shim.operator)
    try:
        with MongoClient() as client:
            client.probe.one.insert_one({"_id": 1})
            list(client.probe.one.aggregate(shim.probe))
        return False
    except OperationFailure:
        return True
    finally:
        if installed is not None:
            register_aggregation_expression_operator(shim.operator, installed)


def install():
    """Register every shim (idempotent; mongoeco's registry is process-wide)."""
    for shim in SHIMS:
        if get_registered_aggregation_expression_operator(shim.operator) is None:
            register_aggregation_expression_operator(shim.operator, shim.handler)
