"""What bulk writes did: counts per model, added up over a block's flushes."""

from dataclasses import dataclass

COUNTS = ("inserted", "matched", "modified", "deleted", "upserted")


@dataclass
class Counts:
    """What the server reported for one model's writes."""

    inserted: int = 0
    matched: int = 0
    modified: int = 0
    deleted: int = 0
    upserted: int = 0

    def add(self, other: "Counts") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in COUNTS)

    def __str__(self) -> str:
        return ", ".join(f"{getattr(self, name)} {name}" for name in COUNTS if getattr(self, name))


class BulkResult(Counts):
    """The counts of every write sent, in total and per model (`result["shop.Product"]`)."""

    def __init__(self):
        super().__init__()
        #: {model label: Counts}, in the order the models were first written.
        self.by_model: dict[str, Counts] = {}

    def record(self, model, counts: Counts) -> None:
        label = model._meta.label if model is not None else "?"
        self.by_model.setdefault(label, Counts()).add(counts)
        self.add(counts)

    def merge(self, other: "BulkResult") -> None:
        for label, counts in other.by_model.items():
            self.by_model.setdefault(label, Counts()).add(counts)
        self.add(other)

    def __getitem__(self, model) -> Counts:
        """The counts of one model, by label ("shop.Product") or class (zero if none)."""
        label = model if isinstance(model, str) else model._meta.label
        return self.by_model.get(label, Counts())

    def __repr__(self) -> str:
        parts = "; ".join(f"{label}: {counts}" for label, counts in self.by_model.items() if counts)
        return f"<BulkResult {parts or 'nothing written'}>"


def counts_of(result) -> Counts:
    """The counts of a pymongo BulkWriteResult or ClientBulkWriteResult."""
    return Counts(**{name: getattr(result, f"{name}_count") for name in COUNTS})


def counts_from_details(details: dict) -> Counts:
    """The counts in a collection-level BulkWriteError's details (what ran before it)."""
    return Counts(inserted=details.get("nInserted", 0), matched=details.get("nMatched", 0),
                  modified=details.get("nModified", 0), deleted=details.get("nRemoved", 0),
                  upserted=details.get("nUpserted", 0))

