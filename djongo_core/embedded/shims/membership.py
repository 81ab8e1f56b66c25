"""`$in` answered by hashing (deviation "in-cost-grows-with-the-list").

MongoDB answers `{field: {$in: [...]}}` with index lookups, or with a hash of the list when it
scans. mongoeco 4.11 compares every candidate value with every listed value whenever they are
numbers or strings (only dates, ObjectIds and a few other types are hashed), and its update
path prepares the list again for every document it updates. A `$in` of k numbers over n
documents therefore costs n x k comparisons, and updating k documents by `_id $in` costs k x k
more. Django sends `pk__in` lists all the time (prefetch_related, the deletion collector,
bulk_update, the batched backfill of a migration): 1,000 ids over 20,000 documents took
seconds per command.

The shim lets mongoeco hash numbers and strings too, with the keys under which MongoDB
compares them equal:

- numbers by BSON equality (``bson_equality_key``: 1, 1.0, Int64(1) and Decimal128("1.00")
  share a key), NaN left to mongoeco's own comparison;
- strings as themselves, only without a collation (a collation may make distinct strings
  equal, and then mongoeco compares them one by one as before);

and it prepares each list once: the query compiler's `$in` matcher holds the prepared list,
and the per-document path reuses the list prepared for the same values. Anything not hashed
(regular expressions, null under the undefined-matching rule, arrays, documents, NaN) is
still compared one by one, by mongoeco. mongoeco has no hook for either, so the shim wraps
its methods and stands down if mongoeco renames them.
"""

import inspect
import math
import threading
from collections import OrderedDict
from decimal import Decimal

from bson import Int64

from mongoeco.compat import MONGODB_DIALECT_70
from mongoeco.core import compiled_query
from mongoeco.core.bson_ordering import bson_equality_key
from mongoeco.core.bson_scalars import is_bson_numeric
from mongoeco.core.filtering import QueryEngine
from mongoeco.core.query_plan import InCondition

# The static attributes (staticmethod and classmethod objects); the second one is inherited.
_ORIGINALS = {
    name: inspect.getattr_static(QueryEngine, name, None)
    for name in ("_hashable_in_lookup_key", "_prepare_membership_values")
}
_ORIGINALS["_node_to_code"] = getattr(compiled_query.CompiledQuery, "_node_to_code", None)
_OWN = {name for name in _ORIGINALS if name in QueryEngine.__dict__}
# Prepared lists remembered for the per-document path: one command's lists at a time, mostly.
_REMEMBERED = 32


def _number_key(value):
    """The key under which mongoeco's bson_equality_key makes numbers equal, cheaply for the
    common int and float: integral values as Python ints, others as normalised Decimals."""
    if type(value) is int or type(value) is Int64:
        return ("number", int(value))
    if type(value) is float:
        if math.isnan(value):
            return None
        if math.isinf(value) or not value.is_integer():
            return bson_equality_key(value)
        return ("number", int(value))
    equality = bson_equality_key(value)
    if equality == ("number", "nan"):
        return None
    number = equality[1]
    if isinstance(number, Decimal) and number == number.to_integral_value():
        return ("number", int(number))
    return equality


def _hashable_in_lookup_key(value, *, collation=None):
    key = _ORIGINALS["_hashable_in_lookup_key"].__func__(value, collation=collation)
    if key is not None:
        return key
    if is_bson_numeric(value):
        return _number_key(value)
    if type(value) is str and collation is None:
        return ("string", value)
    return None


class _Prepared:
    """Lists already prepared for the per-document path, by their values and types."""

    def __init__(self):
        self._entries = OrderedDict()   # key -> prepared (literal set, regexes, residual list)
        # id(list) -> (list, null rule, prepared): the same tuple of a plan that is reused
        # (update_selector.py), found without reading its k values again.
        self._by_list = OrderedDict()
        self._lock = threading.Lock()

    def get(self, cls, values, *, null_matches_undefined, collation=None):
        if collation is None and type(values) is tuple:
            with self._lock:
                known = self._by_list.get(id(values))
            if known is not None and known[0] is values and known[1] is null_matches_undefined:
                return known[2]
        # By content and types (1, 1.0 and True are equal tuple items, not equal BSON values).
        key = (tuple((type(value), value) for value in values), null_matches_undefined)
        try:
            hash(key)
        except TypeError:
            key = None
        if collation is not None or key is None:
            return self._prepare(cls, values, null_matches_undefined, collation)
        with self._lock:
            prepared = self._entries.get(key)
            if prepared is not None:
                self._entries.move_to_end(key)
        if prepared is None:
            prepared = self._prepare(cls, values, null_matches_undefined, None)
        with self._lock:
            self._entries[key] = prepared
            while len(self._entries) > _REMEMBERED:
                self._entries.popitem(last=False)
            if type(values) is tuple:
                # Held, so that its id stays its own; a tuple of hashable values cannot change.
                self._by_list[id(values)] = (values, null_matches_undefined, prepared)
                while len(self._by_list) > _REMEMBERED:
                    self._by_list.popitem(last=False)
        return prepared

    @staticmethod
    def _prepare(cls, values, null_matches_undefined, collation):
        return _ORIGINALS["_prepare_membership_values"].__func__(
            cls, values, null_matches_undefined=null_matches_undefined, collation=collation)


_prepared = _Prepared()


def _prepare_membership_values(cls, values, *, null_matches_undefined, collation=None):
    # The caller only reads the prepared sets and lists.
    return _prepared.get(cls, values, null_matches_undefined=null_matches_undefined,
                         collation=collation)


class _Membership:
    """The `$in` matcher of one compiled query: the list prepared once, hashed where it can be."""

    def __init__(self, values, null_matches_undefined):
        self.values = values
        self.null_matches_undefined = null_matches_undefined
        self.prepared = _Prepared._prepare(QueryEngine, values, null_matches_undefined, None)

    def __call__(self, candidate, dialect, collation):
        if collation is not None or dialect is not MONGODB_DIALECT_70:
            return any(QueryEngine._in_item_matches_candidate(
                candidate, item, null_matches_undefined=self.null_matches_undefined,
                dialect=dialect, collation=collation) for item in self.values)
        literal_lookup, regex_values, residual_values = self.prepared
        return QueryEngine._candidate_matches_membership(
            candidate, literal_lookup=literal_lookup, regex_values=regex_values,
            residual_values=residual_values, null_matches_undefined=self.null_matches_undefined,
            dialect=dialect, collation=None)


def _node_to_code(self, node, depth):
    if not isinstance(node, InCondition):
        return _ORIGINALS["_node_to_code"](self, node, depth)
    matcher = self._store("values", _Membership(tuple(node.values), node.null_matches_undefined))
    return (f"any({matcher}(candidate, dialect, collation)"
            f" for candidate in (_extract(doc, {self._field(node.field)}) or [None]))")


def install():
    """Hash numbers and strings in `$in` and prepare each list once (idempotent)."""
    if any(original is None for original in _ORIGINALS.values()):
        return
    QueryEngine._hashable_in_lookup_key = staticmethod(_hashable_in_lookup_key)
    QueryEngine._prepare_membership_values = classmethod(_prepare_membership_values)
    compiled_query.CompiledQuery._node_to_code = _node_to_code


def uninstall():
    for name in ("_hashable_in_lookup_key", "_prepare_membership_values"):
        if name in _OWN:
            setattr(QueryEngine, name, _ORIGINALS[name])
        elif name in QueryEngine.__dict__:
            delattr(QueryEngine, name)
    if _ORIGINALS["_node_to_code"] is not None:
        compiled_query.CompiledQuery._node_to_code = _ORIGINALS["_node_to_code"]
