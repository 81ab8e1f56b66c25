"""Django's database functions (django.db.models.functions) as aggregation expressions.

SQL functions return NULL when an argument is NULL, where many MQL operators return "" or 0; the
translations keep SQL's answer with a null test around the operator (`_guarded`).
"""

import datetime
import math

from django.db import DataError, NotSupportedError, models
from django.db.models import Lookup, functions
from django.db.models.expressions import Col
from django.db.models.sql.where import WhereNode

from djongo_core.collations import collation_document
from djongo_core.compiler.lookups import TEXT_FIELDS, is_computed, literal, not_null
from djongo_core.compiler.tree import internal_type
from djongo_core.compiler.wall_clock import as_wall_clock, date_argument, stored_zone
from djongo_core.sub_milliseconds import keeps_microseconds

EXTRACT_OPERATORS = {
    "year": "$year",
    "iso_year": "$isoWeekYear",
    "month": "$month",
    "day": "$dayOfMonth",
    "week": "$isoWeek",
    "week_day": "$dayOfWeek",  # 1 = Sunday, as Django's week_day
    "iso_week_day": "$isoDayOfWeek",  # 1 = Monday
    "hour": "$hour",
    "minute": "$minute",
    "second": "$second",
}
TRUNC_KINDS = {"year", "quarter", "month", "week", "day", "hour", "minute", "second", "date",
               "time"}
# TimeField values are stored as "HH:MM:SS.ffffff": where each part starts.
TIME_PARTS = {"hour": 0, "minute": 3, "second": 6}
SIMPLE_OPERATORS = {
    functions.Lower: "$toLower",
    functions.Upper: "$toUpper",
    functions.Length: "$strLenCP",
    functions.Abs: "$abs",
    functions.Ceil: "$ceil",
    functions.Floor: "$floor",
    functions.Sqrt: "$sqrt",
    functions.Exp: "$exp",
    functions.Ln: "$ln",
    functions.Sin: "$sin",
    functions.Cos: "$cos",
    functions.Tan: "$tan",
    functions.ASin: "$asin",
    functions.ACos: "$acos",
    functions.ATan: "$atan",
    functions.ATan2: "$atan2",
    functions.Power: "$pow",
    functions.Mod: "$mod",
    functions.Degrees: "$radiansToDegrees",
    functions.Radians: "$degreesToRadians",
}
# A plain Func(function="...") (or a Func subclass that only names its function) with the name
# of a standard SQL function: the operator that computes it. Anything with its own template or
# SQL stays untranslated (plugin_node explains).
SQL_FUNCTION_NAMES = {
    "LOWER": "$toLower", "UPPER": "$toUpper", "CHAR_LENGTH": "$strLenCP", "LENGTH": "$strLenCP",
    "ABS": "$abs", "CEIL": "$ceil", "CEILING": "$ceil", "FLOOR": "$floor", "SQRT": "$sqrt",
    "EXP": "$exp", "LN": "$ln", "POWER": "$pow", "MOD": "$mod", "TRIM": "$trim",
}
TRIM_OPERATORS = {functions.Trim: "$trim", functions.LTrim: "$ltrim", functions.RTrim: "$rtrim"}
CAST_OPERATORS = {
    "CharField": "$toString", "TextField": "$toString", "SlugField": "$toString",
    "EmailField": "$toString", "IntegerField": "$toInt", "SmallIntegerField": "$toInt",
    "PositiveIntegerField": "$toLong", "PositiveSmallIntegerField": "$toInt",
    "BigIntegerField": "$toLong", "PositiveBigIntegerField": "$toLong", "AutoField": "$toInt",
    "BigAutoField": "$toLong", "SmallAutoField": "$toInt", "FloatField": "$toDouble",
    "DecimalField": "$toDecimal", "BooleanField": "$toBool", "DateTimeField": "$toDate",
    "DateField": "$toDate", "ObjectIdField": "$toObjectId",
    # Durations are stored as integer microseconds (Django's rule without a native type).
    "DurationField": "$toLong",
}


def _guarded(arguments, value):
    """Return value, or null when any argument is null (SQL's rule for functions)."""
    if any(argument is None for argument in arguments):
        return None
    tests = [not_null(argument) for argument in arguments if is_computed(argument)]
    if not tests:
        return value
    return {"$cond": [tests[0] if len(tests) == 1 else {"$and": tests}, value, None]}


def _named_only(node):
    """Whether a Func is SQL's `NAME(arguments)` with a standard function name and nothing
    more (the default template, joiner and SQL)."""
    function = _function_name(node)
    return (
        isinstance(function, str)
        and (function.upper() in SQL_FUNCTION_NAMES or function.upper() == "COALESCE")
        and node.template == models.Func.template and node.arg_joiner == models.Func.arg_joiner
        and type(node).as_sql is models.Func.as_sql
        and set(node.extra) <= {"function"}
    )


def _function_name(node):
    # Func(function="X") keeps the name among its extra template values.
    return node.extra.get("function", node.function)


def _repeat(text, times):
    return {"$reduce": {"input": {"$range": [0, times]}, "initialValue": "",
                        "in": {"$concat": ["$$value", text]}}}


class FunctionTranslations:
    """Translator methods for database functions; mixed into the Translator."""

    def _arguments(self, node):
        return [self.expression(source) for source in node.get_source_expressions()]

    def _Func(self, node):
        for kind, operator in SIMPLE_OPERATORS.items():
            if isinstance(node, kind):
                arguments = self._arguments(node)
                spec = arguments[0] if len(arguments) == 1 else arguments
                return _guarded(arguments, {operator: spec})
        for kind, operator in TRIM_OPERATORS.items():
            if isinstance(node, kind):
                (text,) = self._arguments(node)
                return _guarded([text], {operator: {"input": text}})
        if _named_only(node):
            return self._sql_named_function(node)
        return self.plugin_node(node, "expression")

    def _sql_named_function(self, node):
        name = _function_name(node).upper()
        arguments = self._arguments(node)
        if name == "COALESCE":
            return {"$ifNull": arguments}
        operator = SQL_FUNCTION_NAMES[name]
        if operator == "$trim":
            (text,) = arguments
            return _guarded(arguments, {operator: {"input": text}})
        return _guarded(arguments, {operator: arguments[0] if len(arguments) == 1 else arguments})

    # -- comparison and conversion ----------------------------------------------------------

    def _Coalesce(self, node):
        # A condition among the arguments is read as a value: null when SQL says unknown, so
        # that Coalesce(condition, True) (Django's constraint validation) passes on nulls.
        return {"$ifNull": [self.value_of_condition(source) if _is_condition(source)
                            else self.expression(source)
                            for source in node.get_source_expressions()]}

    def _Greatest(self, node):
        # $max skips nulls: PostgreSQL's GREATEST (Django documents the backends' difference).
        return {"$max": self._arguments(node)}

    def _Least(self, node):
        return {"$min": self._arguments(node)}

    def _NullIf(self, node):
        first, second = self._arguments(node)
        return {"$cond": [{"$eq": [first, second]}, None, first]}

    def _Collate(self, node):
        # The collation is the whole command's (compiler/collation.py): the value passes as is.
        collation_document(node.collation)  # an invalid name fails here, naming the fix
        (value,) = self._arguments(node)
        return value

    def _Cast(self, node):
        (value,) = self._arguments(node)
        field = node.output_field
        if field.remote_field is not None:
            # A relation holds its target's values: cast to the target field's type.
            field = field.target_field
        internal = field.get_internal_type()
        source = node.get_source_expressions()[0]
        if internal == "TimeField" and internal_type(source) == "DateTimeField":
            # A datetime's time of day in the connection's time zone (UTC, or its TIME_ZONE
            # option: compiler/wall_clock.py), as in Django's SQL backends, as TimeField stores
            # times.
            return self._time_of_day(source, {"date": value})
        if internal == "JSONField":
            return self._cast_to_json(value, source)
        if internal == "UUIDField" and internal_type(source) == "UUIDField":
            return value  # a UUID is already stored as one (binary subtype 4)
        if internal == "DateTimeField" and isinstance(value, datetime.datetime):
            # A datetime value is one already: left whole, with its microseconds, which
            # $toDate would cut (sub_milliseconds.py).
            return value
        operator = CAST_OPERATORS.get(internal)
        if operator is None:
            raise NotSupportedError(
                f"Cast to {internal} is not supported: MongoDB has no conversion to it. "
                "Convert the values in Python after fetching them."
            )
        result = {operator: value}
        if internal == "DateField":
            result = {"$dateTrunc": {"date": result, "unit": "day"}}
        elif internal == "DecimalField" and field.decimal_places is not None:
            result = {"$round": [result, field.decimal_places]}
        elif operator == "$toString" and getattr(field, "max_length", None):
            result = {"$substrCP": [result, 0, field.max_length]}
        return _guarded([value], result)

    @staticmethod
    def _cast_to_json(value, source):
        # JSON is stored as native values, so a document, array, number, boolean or null
        # already is the JSON value. Text would have to be parsed as JSON, which MQL cannot do.
        if internal_type(source) in TEXT_FIELDS:
            raise NotSupportedError(
                f"Cast of a {internal_type(source)} to JSONField is not supported: MongoDB "
                "cannot parse JSON text inside a query. Store the data in a JSONField, or "
                "parse it in Python after fetching it."
            )
        return value

    def _JSONArray(self, node):
        # An array of expressions is evaluated member by member.
        return self._arguments(node)

    def _JSONObject(self, node):
        sources = node.get_source_expressions()
        keys = sources[::2]
        return {key.value: self.expression(value) for key, value in zip(keys, sources[1::2],
                                                                         strict=True)}

    def _StringAggDelimiter(self, node):
        return self.expression(node.get_source_expressions()[0])

    # -- text -----------------------------------------------------------------------------------

    def _ConcatPair(self, node):
        # Django's Concat treats NULL as an empty string on every backend.
        return {"$concat": [
            {"$ifNull": [self.as_text(self.expression(e), e), ""]}
            for e in node.get_source_expressions()
        ]}

    def _Concat(self, node):
        return self.expression(node.get_source_expressions()[0])

    def _Left(self, node):
        text, length = self._arguments(node)
        return _guarded([text, length], {"$substrCP": [text, 0, length]})

    def _Right(self, node):
        text, length = self._arguments(node)
        start = {"$max": [0, {"$subtract": [{"$strLenCP": text}, length]}]}
        return _guarded([text, length], {"$substrCP": [text, start, length]})

    def _Substr(self, node):
        arguments = self._arguments(node)
        text, position = arguments[0], arguments[1]
        length = arguments[2] if len(arguments) > 2 else {"$strLenCP": text}
        # SQL positions start at 1.
        return _guarded(arguments, {"$substrCP": [text, {"$subtract": [position, 1]}, length]})

    def _StrIndex(self, node):
        text, substring = self._arguments(node)
        return _guarded([text, substring], {"$add": [{"$indexOfCP": [text, substring]}, 1]})

    def _Replace(self, node):
        text, find, replacement = self._arguments(node)
        return _guarded([text, find, replacement],
                        {"$replaceAll": {"input": text, "find": find, "replacement": replacement}})

    def _Reverse(self, node):
        (text,) = self._arguments(node)
        return _guarded([text], {"$reduce": {
            "input": {"$range": [0, {"$strLenCP": text}]}, "initialValue": "",
            "in": {"$concat": [{"$substrCP": [text, "$$this", 1]}, "$$value"]},
        }})

    def _Repeat(self, node):
        text, times = self._arguments(node)
        return _guarded([text, times], _repeat(text, times))

    def _LPad(self, node):
        return self._pad(node, left=True)

    def _RPad(self, node):
        return self._pad(node, left=False)

    def _pad(self, node, left):
        text, length, fill = self._arguments(node)
        missing = {"$max": [0, {"$subtract": [length, {"$strLenCP": text}]}]}
        padding = {"$substrCP": [_repeat(fill, length), 0, missing]}
        padded = {"$concat": [padding, text] if left else [text, padding]}
        return _guarded([text, length, fill], {"$substrCP": [padded, 0, length]})

    # -- math -----------------------------------------------------------------------------------

    def _Round(self, node):
        arguments = self._arguments(node)
        return _guarded(arguments, {"$round": arguments})

    def _Log(self, node):
        # Django's Log(base, x) is the logarithm of x to base.
        base, value = self._arguments(node)
        return _guarded([base, value], {"$log": [value, base]})

    def _Sign(self, node):
        (value,) = self._arguments(node)
        return _guarded([value], {"$cond": [{"$gt": [value, 0]}, 1,
                                            {"$cond": [{"$lt": [value, 0]}, -1, 0]}]})

    def _Cot(self, node):
        (value,) = self._arguments(node)
        return _guarded([value], {"$divide": [1, {"$tan": value}]})

    def _Pi(self, node):
        return math.pi

    def _Random(self, node):
        return {"$rand": {}}

    # -- dates and times --------------------------------------------------------------------

    def _Now(self, node):
        zone = stored_zone(self.connection)
        return "$$NOW" if zone is None else as_wall_clock("$$NOW", zone)

    def _date_argument(self, node, value):
        """Return {"date": value} with the timezone Django would use for this expression."""
        if internal_type(node.lhs) != "DateTimeField":
            return {"date": value}
        return date_argument(value, node.get_tzname() or None, stored_zone(self.connection))

    def _Extract(self, node):
        _check_tzinfo(node)
        kind = node.lookup_name
        if kind not in EXTRACT_OPERATORS and kind != "quarter":
            # The same refusal (and message) as Django's Extract.as_sql().
            raise ValueError(f"Invalid lookup_name: {kind}")
        value = self.expression(node.lhs)
        internal = node.lhs.output_field.get_internal_type()
        if internal == "TimeField":
            if kind not in TIME_PARTS:
                raise NotSupportedError(f"Extract {kind!r} from a TimeField is not supported.")
            return _guarded([value], {"$toInt": {"$substrCP": [value, TIME_PARTS[kind], 2]}})
        if internal == "DurationField":
            raise ValueError("Extract requires native DurationField database support.")
        argument = self._date_argument(node, value)
        if kind == "quarter":
            month = {"$month": argument}
            return {"$toInt": {"$ceil": {"$divide": [month, 3]}}}
        operator = EXTRACT_OPERATORS.get(kind)
        if operator is None:
            raise NotSupportedError(f"Extract {kind!r} is not supported.")
        return {operator: argument}

    def _TruncBase(self, node):
        _check_tzinfo(node)
        kind = node.kind
        if kind not in TRUNC_KINDS:
            # Django's SQL backends pass the kind to the database, which rejects it.
            raise DataError(f"Invalid kind: {kind!r}; Trunc takes one of "
                            f"{', '.join(sorted(TRUNC_KINDS))}.")
        value = self.expression(node.lhs)
        if node.lhs.output_field.get_internal_type() == "TimeField":
            return self._truncate_time_text(value, kind)
        argument = self._date_argument(node, value)
        if kind == "time":
            # The local time of day as TimeField stores it; the converter parses it.
            return self._time_of_day(node.lhs, argument)
        argument["unit"] = "day" if kind == "date" else kind
        if kind == "week":
            argument["startOfWeek"] = "monday"
        truncated = {"$dateTrunc": argument}
        if "timezone" in argument and _is_date_only(node.output_field):
            # A date is stored as midnight UTC of that day, so a local date must become the
            # same (midnight UTC of the local day) to compare equal to stored dates.
            # (A day's date needs no truncation first: its parts are the date.)
            local = argument["date"] if kind == "date" else truncated
            return _guarded([value], _local_date(local, argument["timezone"]))
        if isinstance(node.output_field, models.TimeField):
            # TruncHour(timestamp, output_field=TimeField()): the local time of day, in the
            # text form TimeField stores ("13:00:00"), so that it compares with stored times
            # and mixes with them (Coalesce, Min(..., default=...)).
            text = {"date": truncated, "format": "%H:%M:%S"}
            if "timezone" in argument:
                text["timezone"] = argument["timezone"]
            return {"$dateToString": text}
        zone = stored_zone(self.connection)
        if zone is not None and "timezone" in argument:
            # Truncated in another zone, the result is an instant: written as the database's
            # datetimes are, it compares with them (compiler/wall_clock.py).
            return as_wall_clock(truncated, zone)
        return truncated

    def _time_of_day(self, source, argument):
        """Return the time of day of a datetime (argument: its date operators' {"date",
        "timezone"}) as TimeField stores times, time.isoformat()'s text: "HH:MM:SS", and
        ".ffffff" when it has microseconds (a stored datetime's from its hidden key,
        sub_milliseconds.py)."""
        clock = {"$dateToString": {**argument, "format": "%H:%M:%S"}}
        microseconds = {"$multiply": [{"$millisecond": argument}, 1000]}
        if isinstance(source, Col) and keeps_microseconds(source.target) and self.is_path(source):
            microseconds = {"$add": [microseconds,
                                     {"$ifNull": ["$" + self.hidden_path(source), 0]}]}
        fraction = {"$substrCP": [{"$toString": {"$add": [1_000_000, microseconds]}}, 1, 6]}
        return {"$cond": [{"$eq": [microseconds, 0]}, clock,
                          {"$concat": [clock, ".", fraction]}]}

    @staticmethod
    def _truncate_time_text(value, kind):
        kept = {"hour": (2, ":00:00"), "minute": (5, ":00"), "second": (8, "")}
        if kind not in kept:
            raise NotSupportedError(f"Trunc {kind!r} of a TimeField is not supported.")
        length, suffix = kept[kind]
        return _guarded([value], {"$concat": [{"$substrCP": [value, 0, length]}, literal(suffix)]})


def _is_date_only(field):
    return isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)


def _local_date(value, timezone_name):
    """Return midnight UTC of the day value falls on in timezone_name."""
    local = {"date": value, "timezone": timezone_name}
    return {"$dateFromParts": {"year": {"$year": local}, "month": {"$month": local},
                               "day": {"$dayOfMonth": local}}}


def _check_tzinfo(node):
    if node.tzinfo is not None and internal_type(node.lhs) != "DateTimeField":
        raise ValueError("tzinfo can only be used with DateTimeField.")


def _is_condition(expression):
    return isinstance(expression, (WhereNode, Lookup))
