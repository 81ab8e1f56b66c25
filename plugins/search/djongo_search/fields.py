"""VectorField: an embedding, a list of a fixed number of floats, stored as a BSON array.

MongoDB's vector indexes read arrays of numbers of exactly the index's ``numDimensions``; a
document whose vector has another length, or holds anything but numbers, is silently left out
of the index. The field refuses such a value before it is written (``get_prep_value``, run by
``save()``, ``create()``, ``update()`` and ``bulk_create()``) and in ``full_clean()``.
"""

import json
import math
from collections.abc import Sequence

from django import forms
from django.core import checks, exceptions
from django.db import models

from djongo_search.widgets import UNCHANGED, VectorWidget, summary


class Vector(Sequence):
    """A vector read from the database: a sequence of floats (indexing, slicing, len(),
    iteration, == with lists; ``list(v)`` or ``v.tolist()`` for a list) that prints as its size
    and first numbers, not thousands of them. Not a list on purpose: the admin prints a list
    item by item in its change lists and read-only fields."""

    __slots__ = ("_numbers",)
    __hash__ = None

    def __init__(self, numbers):
        self._numbers = [float(number) for number in numbers]

    def __getitem__(self, position):
        return self._numbers[position]

    def __len__(self):
        return len(self._numbers)

    def __eq__(self, other):
        if isinstance(other, (Vector, list, tuple)):
            return self._numbers == list(other)
        return NotImplemented

    def tolist(self):
        return list(self._numbers)

    def __str__(self):
        return summary(self)

    def __repr__(self):
        return f"Vector({self._numbers!r})"


class VectorField(models.Field):
    """A vector of ``dimensions`` floats (an embedding), for a VectorSearchIndex."""

    description = "A vector of %(dimensions)s floats"
    empty_strings_allowed = False

    def __init__(self, *args, dimensions=None, **kwargs):
        self.dimensions = dimensions
        super().__init__(*args, **kwargs)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if (not isinstance(self.dimensions, int) or isinstance(self.dimensions, bool)
                or not 1 <= self.dimensions <= 8192):
            errors.append(checks.Error(
                f"VectorField.dimensions must be a whole number from 1 to 8192 (MongoDB's "
                f"largest numDimensions), not {self.dimensions!r}.",
                hint="Set it to the length of your embedding model's vectors.",
                obj=self, id="djongo_search.E001"))
        return errors

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        kwargs["dimensions"] = self.dimensions
        # Import from the package root, so migrations do not depend on this module's name.
        return name, "djongo_search.VectorField", args, kwargs

    def db_type(self, connection):
        return "array"

    def get_internal_type(self):
        return "VectorField"

    def vector(self, value):
        """Return ``value`` as a list of floats of the right length, or raise ValidationError."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise self._invalid("is not a JSON list of numbers") from None
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise self._invalid(f"is a {type(value).__name__}, not a list of numbers")
        numbers = list(value)
        if len(numbers) != self.dimensions:
            raise self._invalid(f"has {len(numbers)} numbers; the field holds "
                                f"{self.dimensions}")
        for position, number in enumerate(numbers):
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                raise self._invalid(f"has {number!r} at position {position}, not a number")
            if not math.isfinite(number):
                raise self._invalid(f"has {number!r} at position {position}; MongoDB's vector "
                                    "indexes take finite numbers only")
        return [float(number) for number in numbers]

    def _invalid(self, why):
        label = f"{self.model._meta.label}.{self.name}" if hasattr(self, "model") else self.name
        return exceptions.ValidationError(f"The vector for {label} {why}.", code="invalid")

    def to_python(self, value):
        return None if value is None else Vector(self.vector(value))

    def from_db_value(self, value, expression, connection):
        return None if value is None else Vector(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else self.vector(value)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return json.dumps(None if value is None else [float(number) for number in value])

    def save_form_data(self, instance, data):
        # Nothing pasted in the form keeps the stored vector (widgets.py).
        if data is not UNCHANGED:
            super().save_form_data(instance, data)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": VectorFormField,
                                    "dimensions": self.dimensions, **kwargs})


class VectorFormField(forms.Field):
    """A vector in a form: shown as its size and first numbers; pasted as a JSON list.

    Nothing pasted gives UNCHANGED: the model keeps its vector, and full_clean() says so when
    it has none and needs one."""

    widget = VectorWidget

    def __init__(self, *, dimensions=None, **kwargs):
        self.dimensions = dimensions
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.widget.dimensions = dimensions

    def prepare_value(self, value):
        return value

    def validate(self, value):
        if value is not UNCHANGED:
            super().validate(value)

    def to_python(self, value):
        if value is UNCHANGED:
            return UNCHANGED
        if value in self.empty_values:
            return None
        try:
            numbers = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            raise exceptions.ValidationError("Enter the vector as a JSON list of numbers.",
                                             code="invalid") from None
        if not isinstance(numbers, list) or any(
                isinstance(n, bool) or not isinstance(n, (int, float)) for n in numbers):
            raise exceptions.ValidationError("Enter the vector as a JSON list of numbers.",
                                             code="invalid")
        if self.dimensions is not None and len(numbers) != self.dimensions:
            raise exceptions.ValidationError(
                "Enter %(dimensions)s numbers, not %(count)s.", code="dimensions",
                params={"dimensions": self.dimensions, "count": len(numbers)})
        return [float(n) for n in numbers]

    def has_changed(self, initial, data):
        if self.disabled or data is UNCHANGED:
            return False
        try:
            return self.to_python(data) != (self.to_python(initial) if initial else None)
        except exceptions.ValidationError:
            return True
