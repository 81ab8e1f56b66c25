"""Arithmetic on times of day (TimeField), which are stored as text.

A TimeField value is stored as Python's isoformat(): "HH:MM:SS", or "HH:MM:SS.ffffff" when it
has microseconds (djongo_core/operations.py). MongoDB has no time-of-day type, and a date would
keep only milliseconds, so the arithmetic reads the text as a number of microseconds since
midnight: the difference of two times is a duration (stored as integer microseconds, as every
duration), and a time plus or minus a duration is written back as text in the stored form,
wrapping around midnight as SQL's TIME does.
"""

from djongo_core.compiler.functions import _guarded

MICROSECONDS_PER_DAY = 86_400_000_000
# Where each part of "HH:MM:SS.ffffff" starts, its length, and its worth in microseconds.
_PARTS = ((0, 2, 3_600_000_000), (3, 2, 60_000_000), (6, 2, 1_000_000))


def microseconds(text):
    """Return a time-of-day expression as microseconds since midnight (null stays null)."""
    parts = [{"$multiply": [{"$toLong": {"$substrCP": [text, start, length]}}, worth]}
             for start, length, worth in _PARTS]
    fraction = {"$cond": [{"$gt": [{"$strLenCP": text}, 9]},
                          {"$toLong": {"$substrCP": [text, 9, 6]}}, 0]}
    return _guarded([text], {"$add": [*parts, fraction]})


def difference(lhs, rhs):
    """Return lhs - rhs, two times of day, as a duration in microseconds."""
    return {"$subtract": [microseconds(lhs), microseconds(rhs)]}


def shifted(text, duration, connector):
    """Return a time of day plus ("+") or minus ("-") a duration in microseconds, as text."""
    moved = {"$add" if connector == "+" else "$subtract": [microseconds(text), duration]}
    # SQL's TIME wraps around midnight; $mod keeps the sign of the dividend, hence twice.
    within_day = {"$mod": [{"$add": [{"$mod": [moved, MICROSECONDS_PER_DAY]},
                                     MICROSECONDS_PER_DAY]}, MICROSECONDS_PER_DAY]}
    return _guarded([text, duration], {"$let": {
        "vars": {"us": within_day}, "in": _text("$$us")}})


def _text(value):
    """Return microseconds since midnight as "HH:MM:SS" or "HH:MM:SS.ffffff" (isoformat())."""
    def whole(unit, modulo):
        amount = {"$toLong": {"$floor": {"$divide": [value, unit]}}}
        return amount if modulo is None else {"$mod": [amount, modulo]}

    def padded(number, width):
        # 100 + 7 = "107", whose last two digits are "07".
        return {"$substrCP": [{"$toString": {"$add": [10 ** width, number]}}, 1, width]}

    fraction = {"$mod": [value, 1_000_000]}
    return {"$concat": [
        padded(whole(3_600_000_000, None), 2), ":",
        padded(whole(60_000_000, 60), 2), ":",
        padded(whole(1_000_000, 60), 2),
        {"$cond": [{"$eq": [fraction, 0]}, "", {"$concat": [".", padded(fraction, 6)]}]},
    ]}
