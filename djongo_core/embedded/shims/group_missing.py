"""`$push` and `$addToSet` skip a missing value (deviation "group-accumulators-keep-missing",
shimmed).

MongoDB's `$push` and `$addToSet` accumulators add nothing for a value that is missing: a
field the document lacks, or `$$REMOVE` (which `{"$cond": [..., value, "$$REMOVE"]}` returns).
mongoeco 4.11 turns both into null and adds it, so `Count(..., distinct=True)` (the `$size` of
an `$addToSet`) counts the rows a LEFT JOIN found nothing for, and a filtered `StringAgg` or bit
aggregate folds the null of a filtered-out row into its result.

mongoeco has no hook for accumulators. The shim wraps the module-level function that feeds one
document to a group's accumulators: for each `$push`/`$addToSet` it first evaluates the value
the way mongoeco evaluates `$getField`-style paths, keeping "missing" apart from null, and leaves
the accumulator out for that document when the value is missing or `$$REMOVE`. mongoeco also
compiles a `$group` holding `$addToSet` into a fast path of its own that has the same fault;
the shim lets such a group take the general path. Null values are still added, as MongoDB adds
them. The shim stands down if mongoeco renames what it wraps.
"""

from mongoeco.core.aggregation import accumulators, grouping_stages, runtime
from mongoeco.core.aggregation.compiled_aggregation import CompiledGroup

_COLLECTING = ("$push", "$addToSet")
_apply = getattr(grouping_stages, "_apply_accumulators", None)
_supports = CompiledGroup.__dict__.get("supports")
_coerce = getattr(accumulators, "_coerce_accumulator_specs", None)
_missing_values = tuple(
    value for value in (getattr(runtime, "_MISSING", None), getattr(runtime, "_REMOVE", None))
    if value is not None)
_AVAILABLE = None not in (_apply, _supports, _coerce) and len(_missing_values) == 2


def _is_missing(document, expression, variables, options):
    evaluate = options.get("evaluate_expression_with_missing")
    if evaluate is None:
        value = runtime._evaluate_expression_with_missing(document, expression, variables or {})
    else:
        value = evaluate(document, expression, variables)
    return any(value is missing for missing in _missing_values)


def _apply_skipping_missing(bucket, specs, document, variables=None, **options):
    prepared = _coerce(specs)
    kept = tuple(
        spec for spec in prepared
        if spec[1] not in _COLLECTING or not _is_missing(document, spec[2], variables, options)
    )
    return _apply(bucket, kept, document, variables, **options)


def _supports_without_collecting(cls, spec):
    if isinstance(spec, dict) and any(
            isinstance(accumulator, dict) and set(accumulator) & set(_COLLECTING)
            for key, accumulator in spec.items() if key != "_id"):
        return False
    return _supports.__func__(cls, spec)


def install():
    """Make $push and $addToSet skip missing values (idempotent)."""
    if not _AVAILABLE:
        return
    if grouping_stages._apply_accumulators is _apply:
        grouping_stages._apply_accumulators = _apply_skipping_missing
    if CompiledGroup.__dict__.get("supports") is _supports:
        CompiledGroup.supports = classmethod(_supports_without_collecting)


def uninstall():
    if not _AVAILABLE:
        return
    grouping_stages._apply_accumulators = _apply
    CompiledGroup.supports = _supports
