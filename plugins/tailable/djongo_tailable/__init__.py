"""Capped collections, tailable cursors and change streams for djongo-core models.

Enabled per database with "tailable" in PLUGINS; see this distribution's README.md.

- CappedCollection (capped.py): Meta.constraints entry making the collection capped.
- TailableManager / TailableQuerySet (queryset.py): tail() and atail() on capped models
  (tailing.py), watch() on any model (changes.py).
- Change (changes.py): one change reported by watch().
"""

from djongo_tailable.capped import CappedCollection
from djongo_tailable.changes import Change
from djongo_tailable.queryset import TailableManager, TailableQuerySet

__all__ = ["CappedCollection", "Change", "TailableManager", "TailableQuerySet"]
