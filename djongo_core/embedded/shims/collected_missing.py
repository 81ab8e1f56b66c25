"""$push and $addToSet skip a missing value (deviation "group-accumulators-keep-missing",
shimmed).

MongoDB's `$push` and `$addToSet` accumulators (in `$group`, `$bucket`, `$bucketAuto` and
`$setWindowFields`) add nothing for a value that is missing: a missing field, or `$$REMOVE`
returned by `$cond`; a null value is added. mongoeco 4.11 adds null for both, so a distinct
count, a bit aggregate or a filtered StringAgg sees a null that is not there. mongoeco has no
hook for accumulators: the shim wraps the function grouping_stages applies them with, and leaves
out of a document's step the collecting accumulators whose value is missing for it (the rest run
as before). mongoeco's compiled fast path for `$group` (CompiledGroup) adds even its internal
missing marker to an `$addToSet`; a `$group` collecting values is left to the path the shim wraps.
The shim stands down if these are gone.
"""

from mongoeco.core.aggregation import grouping_stages
from mongoeco.core.aggregation.compiled_aggregation import CompiledGroup
from mongoeco.core.aggregation.accumulators import _coerce_accumulator_specs
from mongoeco.core.aggregation.runtime import (
    _MISSING,
    _REMOVE,
    _evaluate_expression_with_missing,
)

_apply = getattr(grouping_stages, "_apply_accumulators", None)
_supports = CompiledGroup.__dict__.get("supports")
_COLLECTING = {"$push", "$addToSet"}


def _collects(spec):
    return isinstance(spec, dict) and any(
        isinstance(accumulator, dict) and _COLLECTING & accumulator.keys()
        for field, accumulator in spec.items() if field != "_id")


@classmethod
def _supports_unless_collecting(cls, spec):
    return not _collects(spec) and _supports.__func__(cls, spec)


def _missing_for(specs, document, variables, options):
    """Return the fields of the collecting accumulators whose value is missing here."""
    evaluate = options.get("evaluate_expression_with_missing")
    missing = options.get("missing_sentinel") or _MISSING
    fields = set()
    for field, operator, expression in specs:
        if operator not in _COLLECTING:
            continue
        if evaluate is not None:
            value = evaluate(document, expression, variables or {})
        else:
            value = _evaluate_expression_with_missing(
                document, expression, variables or {},
                **({"dialect": options["dialect"]} if "dialect" in options else {}))
        if value is missing or value is _MISSING or value is _REMOVE:
            fields.add(field)
    return fields


def _apply_skipping_missing(bucket, accumulator_specs, document, variables=None, **options):
    specs = _coerce_accumulator_specs(accumulator_specs)
    skipped = _missing_for(specs, document, variables, options)
    if skipped:
        specs = tuple(spec for spec in specs if spec[0] not in skipped)
    return _apply(bucket, specs, document, variables, **options)


def install():
    """Skip missing values in $push/$addToSet (idempotent)."""
    if _apply is not None and grouping_stages._apply_accumulators is _apply:
        grouping_stages._apply_accumulators = _apply_skipping_missing
    if _supports is not None and CompiledGroup.__dict__.get("supports") is _supports:
        CompiledGroup.supports = _supports_unless_collecting


def uninstall():
    if _apply is not None:
        grouping_stages._apply_accumulators = _apply
    if _supports is not None:
        CompiledGroup.supports = _supports
