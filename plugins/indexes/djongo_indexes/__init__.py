"""MongoDB index kinds for Django's Meta.indexes, and text search, for djongo-core.

Enabled per database with "indexes" in PLUGINS; see this distribution's README.md.

- Index kinds (indexes.py): TextIndex, TwoDSphereIndex, CompoundIndex, HashedIndex, TTLIndex,
  WildcardIndex; their system checks are in checks.py.
- Text search (search.py): the TextSearch filter and the TextScore value.
- CollectionScanWarning (scans.py): the opt-in DEBUG warning about collection scans.
"""

from djongo_indexes.indexes import (
    CompoundIndex,
    HashedIndex,
    TextIndex,
    TTLIndex,
    TwoDSphereIndex,
    WildcardIndex,
)
from djongo_indexes.scans import CollectionScanWarning
from djongo_indexes.search import TextScore, TextSearch

__all__ = [
    "CollectionScanWarning",
    "CompoundIndex",
    "HashedIndex",
    "TTLIndex",
    "TextIndex",
    "TextScore",
    "TextSearch",
    "TwoDSphereIndex",
    "WildcardIndex",
]
