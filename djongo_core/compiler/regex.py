"""Literal text inside MongoDB regular expressions (PCRE), for contains/startswith/iexact..."""

# Every character PCRE gives a meaning to outside a character class.
_SPECIAL = frozenset("\\^$.|?*+()[]{}#-")

# "$" in PCRE also matches before a final newline; a lookahead that no character may follow
# anchors at the true end of the string, as SQL's LIKE 'x%' / '%x' and = do.
END = r"(?![\s\S])"


def escape(text: str) -> str:
    """Return a pattern that matches text literally."""
    return "".join("\\" + char if char in _SPECIAL else char for char in text)


def pattern(kind: str, text: str) -> str:
    """Return the regex for a pattern lookup: contains, startswith, endswith or exact."""
    literal = escape(text)
    if kind == "startswith":
        return "^" + literal
    if kind == "endswith":
        return literal + END
    if kind == "exact":
        return "^" + literal + END
    return literal
