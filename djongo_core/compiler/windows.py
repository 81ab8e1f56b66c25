"""Window functions (Window(...) annotations, and filters on them) as `$setWindowFields`.

Each Window becomes one `$setWindowFields` stage writing a field `__w<n>`; the expressions that
mention the window then read that field. `$setWindowFields` sorts by field paths only, so an
ordering expression that is not a stored field is computed into `__w<n>_s<k>` first.

SQL's frames map onto MongoDB's windows: ROWS frames are `documents` windows, RANGE frames
`range` windows, whose sort key compiler/window_frames.py works out.
"""

from django.db import NotSupportedError
from django.db.models import Avg, Count, Max, Min, StdDev, Sum, Variance
from django.db.models import functions
from django.db.models.expressions import OrderBy, RowRange, ValueRange

from djongo_core.compiler.expressions import TEMPORAL_FIELDS
from djongo_core.compiler.window_frames import (
    ORDERED_TYPES, RangeSort, may_be_null, offset, peer_bound,
)
from djongo_core.compiler.lookups import not_null
from djongo_core.compiler.tree import internal_type
from djongo_core.sub_milliseconds import carries_microseconds, reads_microseconds, split

PREFIX = "__w"
WHOLE_PARTITION = {"documents": ["unbounded", "unbounded"]}


class WindowStages:
    """Collect the stages that compute a query's windows."""

    def __init__(self, translator):
        self.translator = translator
        self.stages = []

    def add(self, window):
        if window in self.translator.replacements:
            return
        connection = self.translator.connection
        # Window.as_sql()'s checks, which no SQL is compiled here to run.
        connection.ops.check_expression_support(window)
        if not connection.features.supports_over_clause:
            raise NotSupportedError("This backend does not support window expressions.")
        number = len(self.stages)
        name = f"{PREFIX}{number}"
        translator = self.translator
        spec = {}
        # A datetime partitions to the microsecond (sub_milliseconds.py).
        partition = [(translator.precise if carries_microseconds(e) else translator.expression)(e)
                     for e in
                     (window.partition_by.get_source_expressions() if window.partition_by else [])]
        if partition:
            spec["partitionBy"] = partition[0] if len(partition) == 1 else {
                f"p{index}": value for index, value in enumerate(partition)}
        order = [_sort_key(o) for o in
                 (window.order_by.get_source_expressions() if window.order_by else [])]
        precomputed, sort = {}, {}
        for index, (expression, descending) in enumerate(order):
            grouped = translator.replacements.get(expression)
            exact = carries_microseconds(expression)
            if _is_field_path(grouped) and not exact:
                path = grouped[1:]  # after a $group, a group key's value: "$_id.g0"
            elif translator.is_path(expression) and grouped is None:
                path = translator.field_path(expression)
                if exact:
                    # A datetime column sorts by the key holding its microseconds after the
                    # date, as an index on the field (which includes the key) orders it.
                    sort[path] = -1 if descending else 1
                    path = translator.hidden_path(expression)
            else:
                path = f"{name}_s{index}"
                precomputed[path] = (translator.precise if exact else translator.expression)(
                    expression)
            sort[path] = -1 if descending else 1
        # A RANGE frame may sort by a key of its own (a rank, a numeric key), computed first.
        self._range = RangeSort(name, spec.get("partitionBy"), sort)
        outputs, finish = self._outputs(name, window, order)
        sort = self._range.sort
        if not sort and _needs_order(outputs):
            # Numbering and shifting need a sortBy in MongoDB; without an ordering SQL numbers
            # rows in no particular order, which the _id order is one of.
            sort = {"_id": 1}
        if self._range.partition is not None:
            spec["partitionBy"] = self._range.partition
        if sort:
            spec["sortBy"] = sort
        spec["output"] = outputs
        precomputed.update(self._range.keys)
        if precomputed:
            self.stages.append({"$addFields": precomputed})
        self.stages.extend(self._range.stages)
        self.stages.append({"$setWindowFields": spec})
        if finish is not None:
            self.stages.append({"$addFields": {name: finish}})
        if reads_microseconds(window):
            # The window's value is microseconds since the epoch (its arguments were read so):
            # what reads it exactly takes that, anything else its date (sub_milliseconds.py).
            translator.precise_values[window] = f"${name}"
            translator.replacements[window] = split(f"${name}")[0]
        else:
            translator.replacements[window] = f"${name}"

    def _outputs(self, name, window, order):
        """Return ($setWindowFields outputs, the expression finishing the value or None)."""
        function = window.source_expression
        if getattr(function, "order_by", None):
            raise NotSupportedError(
                f"{type(function).__name__}(order_by=...) over a window is not supported."
            )
        # Aggregates carry their filter and ordering as sources too (None when not given).
        arguments = [None if source is None else self.translator.expression(source)
                     for source in function.get_source_expressions()]
        if reads_microseconds(window):
            # A datetime picked from the rows (Lag(), Max()...) keeps its microseconds: the
            # values, and Lag()/Lead()'s default, are read as microseconds since the epoch.
            sources = function.get_source_expressions()
            arguments[0] = self.translator.precise(sources[0])
            if isinstance(function, (functions.Lag, functions.Lead)) and len(sources) > 2:
                arguments[2] = self.translator.precise(sources[2])

        def frame():
            # Only the functions that read a frame ask for it: a RANGE frame may change the
            # stage's sort key, which numbering and shifting must not see.
            return self._frame(window, order)

        count = {"$sum": 1, "window": WHOLE_PARTITION}
        if isinstance(function, functions.RowNumber):
            return {name: {"$documentNumber": {}}}, None
        if isinstance(function, (functions.Rank, functions.DenseRank)):
            if not order:
                return {name: {"$sum": 0, "window": WHOLE_PARTITION}}, {"$literal": 1}
            operator = "$rank" if isinstance(function, functions.Rank) else "$denseRank"
            self._range.single_sort_key()
            return {name: {operator: {}}}, None
        if isinstance(function, (functions.Lag, functions.Lead)):
            offset = function.get_source_expressions()[1:2]
            by = offset[0].value if offset else 1
            if not isinstance(by, int):
                raise NotSupportedError(f"{type(function).__name__}'s offset must be an integer.")
            default = arguments[2] if len(arguments) > 2 else None
            shift = {"output": arguments[0], "by": -by if isinstance(function, functions.Lag)
                     else by, "default": default}
            return {name: {"$shift": shift}}, None
        if isinstance(function, functions.FirstValue):
            return {name: {"$first": arguments[0], "window": frame()}}, None
        if isinstance(function, functions.LastValue):
            return {name: {"$last": arguments[0], "window": frame()}}, None
        if isinstance(function, functions.NthValue):
            nth = function.get_source_expressions()[1].value
            values = {"$push": arguments[0], "window": frame()}
            return {name: values}, {"$arrayElemAt": [{"$concatArrays": [f"${name}", [None]]},
                                                   {"$min": [nth - 1, {"$size": f"${name}"}]}]}
        if isinstance(function, functions.Ntile):
            return self._ntile(name, function, count)
        if isinstance(function, functions.PercentRank):
            self._range.single_sort_key()
            outputs = {name: {"$rank": {}}, f"{name}_n": count}
            return outputs, {"$cond": [{"$lte": [f"${name}_n", 1]}, 0.0, {"$divide": [
                {"$subtract": [f"${name}", 1]}, {"$subtract": [f"${name}_n", 1]}]}]}
        if isinstance(function, functions.CumeDist):
            peers = self._peers_frame(order)
            outputs = {name: {"$sum": 1, "window": peers}, f"{name}_n": count}
            return outputs, {"$divide": [f"${name}", f"${name}_n"]}
        return self._aggregate(name, function, arguments, frame)

    def _aggregate(self, name, function, arguments, frame):
        if getattr(function, "distinct", False) or getattr(function, "filter", None) is not None:
            raise NotSupportedError(
                f"{type(function).__name__}(distinct=... or filter=...) over a window is not "
                "supported."
            )
        value = arguments[0] if arguments else 1
        frame = frame()
        if isinstance(function, Count):
            counted = 1 if value == "*" or value is True else {"$cond": [not_null(value), 1, 0]}
            return {name: {"$sum": counted, "window": frame}}, None
        if isinstance(function, Sum):
            # SUM over no non-null values is NULL in SQL.
            outputs = {name: {"$sum": value, "window": frame},
                       f"{name}_n": {"$sum": {"$cond": [not_null(value), 1, 0]}, "window": frame}}
            return outputs, {"$cond": [{"$gt": [f"${name}_n", 0]}, f"${name}", None]}
        simple = {Avg: "$avg", Min: "$min", Max: "$max"}
        for kind, operator in simple.items():
            if isinstance(function, kind):
                return {name: {operator: value, "window": frame}}, None
        if isinstance(function, (StdDev, Variance)):
            operator = "$stdDevSamp" if function.function.endswith("SAMP") else "$stdDevPop"
            deviation = {name: {operator: value, "window": frame}}
            return deviation, ({"$pow": [f"${name}", 2]} if isinstance(function, Variance)
                               else None)
        raise NotSupportedError(f"{type(function).__name__} over a window is not supported.")

    @staticmethod
    def _ntile(name, function, count):
        buckets = function.get_source_expressions()[0].value
        row = f"${name}"
        total = f"${name}_n"
        # SQL's NTILE: the first (total % buckets) groups hold one row more than the others.
        size = {"$floor": {"$divide": [total, buckets]}}
        remainder = {"$mod": [total, buckets]}
        big = {"$multiply": [remainder, {"$add": [size, 1]}]}
        index = {"$subtract": [row, 1]}
        finish = {"$cond": [
            {"$lt": [index, big]},
            {"$add": [{"$floor": {"$divide": [index, {"$add": [size, 1]}]}}, 1]},
            {"$add": [remainder, {"$floor": {"$divide": [{"$subtract": [index, big]},
                                                       {"$max": [size, 1]}]}}, 1]},
        ]}
        return {name: {"$documentNumber": {}}, f"{name}_n": count}, {"$toInt": finish}

    def _frame(self, window, order):
        frame = window.frame
        if frame is None:
            return self._peers_frame(order)
        if getattr(frame, "exclusion", None):
            raise NotSupportedError("This backend does not support window frame exclusions.")
        start, end = frame.start.value, frame.end.value
        if isinstance(frame, RowRange):
            self.translator.connection.ops.window_frame_rows_start_end(start, end)
            return {"documents": [_bound(start, "unbounded"), _bound(end, "unbounded")]}
        if isinstance(frame, ValueRange):
            self.translator.connection.ops.window_frame_range_start_end(start, end)
            if not order or start is None and end is None:
                # Without an ordering every row of the partition is a peer of every other.
                return WHOLE_PARTITION
            if start in (None, 0) and end in (None, 0):
                return self._range.by_rank(peer_bound(start, "unbounded"),
                                           peer_bound(end, "unbounded"))
            return self._offset_frame(order, start, end)
        raise NotSupportedError(f"{type(frame).__name__} window frames are not supported.")

    def _peers_frame(self, order):
        """Everything up to the current row and its peers (SQL's default with an ordering;
        without one, every row of the partition is a peer)."""
        if not order:
            return WHOLE_PARTITION
        return self._range.by_rank("unbounded", 0)

    def _offset_frame(self, order, start, end):
        """A RANGE frame with offsets, over one numeric, duration or date ordering key."""
        if len(order) != 1 or internal_type(order[0][0]) not in ORDERED_TYPES:
            raise NotSupportedError(
                "A RANGE window frame with offsets needs one ordering expression that is a "
                "number, a decimal, a duration, a date or a datetime; use RowRange, or order by "
                "one such expression."
            )
        expression, descending = order[0]
        kind = internal_type(expression)
        exact = carries_microseconds(expression)
        if exact:
            key = self.translator.precise(expression)  # microseconds since the epoch
        else:
            key = self.translator.expression(expression)
            if kind in TEMPORAL_FIELDS:
                key = {"$toLong": key}  # milliseconds since the epoch
        if descending:
            # A range window sorts ascending: the key is negated, and "N preceding" in the
            # descending order is N below the negated key, as in the ascending one.
            key = {"$multiply": [key, -1]}
        bounds = [offset(start, kind, expression, "start", exact),
                  offset(end, kind, expression, "end", exact)]
        return self._range.by_key(key, may_be_null(expression), bounds)


def _is_field_path(mql):
    return isinstance(mql, str) and mql.startswith("$") and not mql.startswith("$$")


def _bound(value, unbounded):
    return unbounded if value is None else "current" if value == 0 else value


def _sort_key(expression):
    """Return (expression, descending) for one of a window's ordering terms."""
    if not isinstance(expression, OrderBy):
        return expression, False
    if expression.nulls_first or expression.nulls_last:
        raise NotSupportedError("nulls_first/nulls_last in a window's order_by is not supported: "
                                "$setWindowFields sorts null below every value.")
    return expression.expression, expression.descending


def _needs_order(outputs):
    return any(operator in output for output in outputs.values()
               for operator in ("$documentNumber", "$shift", "$rank", "$denseRank"))
