"""Collation names (a field's db_collation, Collate()) as MongoDB collation documents.

A name must pass Django's own check for Collate() (letters, digits, "_" and "-"), so the name
carries MongoDB's collation options the way ICU locale identifiers do (PostgreSQL's ICU
collations use the same form):

    simple                  binary comparison (MongoDB's "simple" collation)
    fr, fr_CA, zh_Hant      a MongoDB locale: that language's rules, case-sensitive
    en-u-ks-level2          + Unicode extension keywords: here strength 2, case-insensitive
    de-u-co-phonebook       a locale variant (MongoDB's "de@collation=phonebook")

`und` (ICU's root locale) is English, whose collation is ICU's root collation untailored.
"""

import re
from functools import lru_cache

from django.core.exceptions import FieldError

# Unicode locale extension key -> (MongoDB collation option, {keyword value: option value}).
_BOOLEAN = {"true": True, "false": False}
_KEYWORDS = {
    "ks": ("strength", {"level1": 1, "level2": 2, "level3": 3, "level4": 4, "identic": 5}),
    "kc": ("caseLevel", _BOOLEAN),
    "kf": ("caseFirst", {"upper": "upper", "lower": "lower", "false": "off"}),
    "ka": ("alternate", {"noignore": "non-ignorable", "shifted": "shifted"}),
    "kv": ("maxVariable", {"space": "space", "punct": "punct"}),
    "kb": ("backwards", _BOOLEAN),
    "kn": ("numericOrdering", _BOOLEAN),
    "kk": ("normalization", _BOOLEAN),
}
# BCP 47 spells some collation variants shorter than MongoDB's locale table does.
_VARIANTS = {"phonebk": "phonebook", "trad": "traditional", "dict": "dictionary"}
_LOCALE_PART = re.compile(r"^[A-Za-z]{2,8}$|^[0-9]{3}$|^[A-Za-z0-9]{2,8}(_[A-Za-z0-9]{2,8})+$")


def collation_document(name):
    """Return the MongoDB collation document a collation name stands for.

    Raises ValueError naming what is wrong and the accepted form."""
    return dict(_parse(str(name)))


def collation_key(name):
    """Return a hashable form of a collation name's document (two names may mean one)."""
    return _parse(str(name))


@lru_cache(maxsize=256)
def _parse(name):
    if name == "simple":
        return (("locale", "simple"),)
    head, _, extension = name.partition("-u-")
    locale_parts = head.split("-")
    if not head or not all(_LOCALE_PART.match(part) for part in locale_parts):
        raise _invalid(name, "it does not start with a locale such as 'en' or 'fr_CA'")
    if locale_parts[0].lower() == "und":
        locale_parts[0] = "en"
    locale = "_".join(locale_parts)
    options = {}
    key = None
    for part in extension.split("-") if extension else []:
        if len(part) == 2 and part.isalpha():
            if key is not None:
                _set_option(name, options, key, "true")  # a bare key means "true"
            key = part
        elif key is None:
            raise _invalid(name, f"{part!r} follows '-u-' where a two-letter key belongs")
        else:
            if key == "co":
                locale = f"{locale}@collation={_VARIANTS.get(part, part)}"
            else:
                _set_option(name, options, key, part)
            key = None
    if key is not None:
        if key == "co":
            raise _invalid(name, "the 'co' key needs a variant, as in 'de-u-co-phonebook'")
        _set_option(name, options, key, "true")
    return (("locale", locale), *options.items())


def _set_option(name, options, key, value):
    try:
        option, values = _KEYWORDS[key]
    except KeyError:
        raise _invalid(name, f"it has the unknown key {key!r} (known: co, "
                             f"{', '.join(sorted(_KEYWORDS))})") from None
    try:
        options[option] = values[value]
    except KeyError:
        raise _invalid(name, f"{key}-{value} is not one of {key}-"
                             f"{'/'.join(values)}") from None


def _invalid(name, reason):
    return ValueError(
        f"Invalid collation {name!r} for MongoDB: {reason}. Use 'simple', a MongoDB locale "
        "('en', 'fr_CA'), optionally with ICU keywords ('en-u-ks-level2' is English, "
        "case-insensitive; 'de-u-co-phonebook' a locale variant)."
    )


def field_collation(field):
    """Return the collation name a model field's values compare under, or None.

    A relation compares as the field it refers to (as Django's ForeignKey takes its target's
    db_collation); a generated field as its output field."""
    seen = set()
    while field is not None and id(field) not in seen:
        seen.add(id(field))
        if getattr(field, "generated", False):
            field = field.output_field
            continue
        if getattr(field, "is_relation", False) and getattr(field, "concrete", False):
            try:
                field = field.target_field
            except FieldError:  # a relation over several columns has no single target
                return None
            continue
        collation = getattr(field, "db_collation", None)
        return str(collation) if collation else None  # may be a lazy object standing for None
    return None
