"""MongoDB Search and Vector Search from Django's ORM, for djongo-core.

Enabled per database with "search" in PLUGINS (and "djongo_search" in INSTALLED_APPS for the
``search`` lookup); see this distribution's README.md.

- Indexes (indexes.py): SearchIndex, VectorSearchIndex; AlterSearchIndex (operations.py).
- Field (fields.py): VectorField.
- Full text (search.py): Text, Phrase, Autocomplete, Wildcard, Compound, SearchScore,
  SearchHighlights; PostgreSQL's SearchVector, SearchQuery, SearchRank, SearchHeadline.
- Vectors (vector.py): VectorSearch; hybrid (hybrid.py): HybridScore.
- Introspection (introspection.py): list_search_indexes, wait_for_search_indexes.
"""

import importlib

_LAZY = {
    **dict.fromkeys(("SearchIndex", "VectorSearchIndex"), "djongo_search.indexes"),
    "AlterSearchIndex": "djongo_search.operations",
    "VectorField": "djongo_search.fields",
    **dict.fromkeys(("Text", "Phrase", "Autocomplete", "Wildcard", "Compound", "SearchScore",
                     "SearchHighlights", "SearchVector", "SearchQuery", "SearchRank",
                     "SearchHeadline"), "djongo_search.search"),
    "VectorSearch": "djongo_search.vector",
    "HybridScore": "djongo_search.hybrid",
    **dict.fromkeys(("list_search_indexes", "wait_for_search_indexes"),
                    "djongo_search.introspection"),
}
__all__ = sorted(_LAZY)


def __getattr__(name):
    # Everything here imports Django's model machinery, which settings must configure first.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'djongo_search' has no attribute {name!r}")
