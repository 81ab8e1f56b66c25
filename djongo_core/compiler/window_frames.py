"""RANGE window frames: the sort key MongoDB's `range` windows need.

MongoDB computes a `range` window over one ascending numeric sort key, and its "current" bound
is the current document, not its peers (the rows that tie with it). SQL's RANGE frames are
brought there:

- A frame bounded only by UNBOUNDED and CURRENT ROW (SQL's default with an ordering, which ends
  at the current row's last peer) sorts by the rows' dense rank in the window's ordering, computed
  by a `$setWindowFields` before it: peers share a rank, so `range: [..., 0]` takes them all, for
  any ordering (text, several keys, descending, nulls).
- A frame with offsets (`ValueRange(-2, 2)`) needs one ordering expression: a number or decimal,
  a duration (stored as microseconds) or a date or datetime (read as milliseconds), negated
  for a descending ordering, with timedelta or Decimal offsets converted to the same scale. Rows
  whose key is null are peers of each other only, as in SQL: they form a partition of their own.
"""

import datetime
import decimal

from bson import Decimal128
from django.db import NotSupportedError

from djongo_core.compiler.expressions import INTEGER_FIELDS, TEMPORAL_FIELDS

# What a RANGE frame with offsets can order by: numbers, durations and dates.
ORDERED_TYPES = INTEGER_FIELDS | TEMPORAL_FIELDS | {"FloatField", "DecimalField", "DurationField"}
_MILLISECOND = datetime.timedelta(milliseconds=1)
_MICROSECOND = datetime.timedelta(microseconds=1)


def peer_bound(value, unbounded):
    # In a range window 0 is the current row's value, which takes in its peers; MongoDB's
    # "current" would stop at the current document.
    return unbounded if value is None else 0


def offset(value, kind, expression, which, microseconds=False):
    """Return a RANGE frame offset in the scale of the frame's numeric key (microseconds: a
    datetime key read to the microsecond, sub_milliseconds.py)."""
    if value is None:
        return "unbounded"
    field = getattr(expression, "output_field", None)
    label = f"a {kind}" if kind else "this ordering"
    if kind in TEMPORAL_FIELDS:
        if isinstance(value, int) and kind == "DateField":
            value = datetime.timedelta(days=value)  # a date's unit, as date + n in SQL
        if not isinstance(value, datetime.timedelta):
            raise NotSupportedError(
                f"The {which} of a RANGE frame over {label} must be a datetime.timedelta (or, "
                f"over a DateField, a number of days); got {value!r}."
            )
        if microseconds:
            return value // _MICROSECOND
        if value % _MILLISECOND:
            raise NotSupportedError(
                f"The {which} of a RANGE frame over {label} must be whole milliseconds, the "
                f"precision of MongoDB's dates; got {value!r}."
            )
        return value // _MILLISECOND
    if kind == "DurationField":
        if not isinstance(value, datetime.timedelta):
            raise NotSupportedError(
                f"The {which} of a RANGE frame over a DurationField must be a "
                f"datetime.timedelta; got {value!r}."
            )
        return value // _MICROSECOND  # durations are stored as microseconds
    if isinstance(value, datetime.timedelta):
        raise NotSupportedError(
            f"The {which} of a RANGE frame over {label} ({field.__class__.__name__}) must be a "
            f"number, not a timedelta; got {value!r}."
        )
    if isinstance(value, decimal.Decimal):
        return Decimal128(value)
    return value


def may_be_null(expression):
    target = getattr(expression, "target", None)
    return target is None or target.null


class RangeSort:
    """What a RANGE frame asks of its window's stage: the sort key MongoDB's range windows
    need (one ascending number), and the stages or fields that compute it first."""

    def __init__(self, name, partition, sort):
        self.name = name
        self.partition = None  # a replacement for the stage's partitionBy
        self.original_partition = partition
        self.sort = sort
        self.keys = {}  # field -> expression, computed before the stages
        self.stages = []

    def by_rank(self, lower, upper):
        """Return a range window over the dense rank of the window's ordering."""
        rank = f"{self.name}_r"
        if not self.stages:
            self.stages = self._rank_stages(rank)
            self.sort = {rank: 1}
        return {"range": [lower, upper]}

    def single_sort_key(self):
        """Sort by one field: MongoDB's $rank and $denseRank take a sortBy of exactly one
        field (SERVER-56572); several are replaced by their dense rank, which ranks alike."""
        if len(self.sort) > 1:
            self.by_rank("unbounded", "unbounded")

    def _rank_stages(self, rank):
        partition = ({} if self.original_partition is None
                     else {"partitionBy": self.original_partition})
        if len(self.sort) == 1:
            return [{"$setWindowFields": {**partition, "sortBy": self.sort,
                                          "output": {rank: {"$denseRank": {}}}}}]
        # Several sort fields: a row starts a new rank where its keys differ from the previous
        # row's, and its rank counts those starts up to it. Sorting on the start flag last puts a
        # group's first row first, whatever order ties take in either stage.
        keys = {f"k{index}": {"$ifNull": ["$" + path, None]}
                for index, path in enumerate(self.sort)}
        start = f"{self.name}_start"
        return [
            {"$setWindowFields": {**partition, "sortBy": self.sort, "output": {
                start: {"$shift": {"output": keys, "by": -1}}}}},
            {"$addFields": {start: {"$cond": [{"$eq": ["$" + start, keys]}, 0, 1]}}},
            {"$setWindowFields": {**partition, "sortBy": {**self.sort, start: -1}, "output": {
                rank: {"$sum": "$" + start, "window": {"documents": ["unbounded", "current"]}}}}},
        ]

    def by_key(self, key, may_be_null, bounds):
        """Return a range window over a numeric key; null keys are peers of each other only."""
        field = f"{self.name}_k"
        if may_be_null:
            self.partition = {"p": self.original_partition,
                              "n": {"$eq": [{"$ifNull": [key, None]}, None]}}
            key = {"$ifNull": [key, 0]}
        self.keys[field] = key
        self.sort = {field: 1}
        return {"range": bounds}
