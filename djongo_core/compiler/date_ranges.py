"""`__date` of a stored datetime compared with a date: a range of the column, not `$expr`.

`filter(created__date=day)` asks for the datetimes whose date, in the current time zone (or the
transform's tzinfo), is `day`: exactly those from that day's local midnight up to the next day's.
As a range of the column the condition is in the query form, which an index on the column
serves, where `$expr` over `$dateFromParts` reads every document. Django does the same for
`__year` (year_lookup_bounds); this is its counterpart for `__date`. The comparisons map to
bounds: = [start, next), > from next, >= from start, < before start, <= before next.
A stored null or missing value matches none of them, as with the `$expr` form.
"""

import datetime

from django.conf import settings
from django.db.models.functions import TruncDate
from django.utils import timezone

_BOUNDS = {
    "exact": (("$gte", 0), ("$lt", 1)),
    "gt": (("$gte", 1),),
    "gte": (("$gte", 0),),
    "lt": (("$lt", 0),),
    "lte": (("$lt", 1),),
}


def applies(lookup, name, translator):
    """Whether lookup is `<datetime column>__date <op> <a date value>`."""
    lhs = lookup.lhs
    return (type(lhs) is TruncDate and name in _BOUNDS and lookup.rhs_is_direct_value()
            and type(lookup.rhs) is datetime.date and translator.is_path(lhs.lhs)
            and lhs.lhs.output_field.get_internal_type() == "DateTimeField")


def date_range(lookup, name, translator):
    """The lookup as a range of the datetime column (applies() must hold)."""
    column = lookup.lhs.lhs
    midnights = [_midnight(lookup.rhs + datetime.timedelta(days=days), lookup.lhs)
                 for days in (0, 1)]
    prepared = [column.output_field.get_db_prep_value(value, translator.connection)
                for value in midnights]
    return {translator.field_path(column): {
        operator: prepared[which] for operator, which in _BOUNDS[name]}}


def _midnight(day, transform):
    start = datetime.datetime.combine(day, datetime.time.min)
    if not settings.USE_TZ:
        return start
    zone = transform.tzinfo or timezone.get_current_timezone()
    return timezone.make_aware(start, zone)
