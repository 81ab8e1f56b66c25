"""The form widget of a VectorField: its size and first numbers, not thousands of them.

An embedding is computed, not typed: the widget shows what the vector is ("768 numbers:
0.0132, -0.4410, 0.0071, …") and offers an empty box to paste a replacement as a JSON list.
Left empty, the stored vector is kept (VectorFormField answers UNCHANGED, which
VectorField.save_form_data skips).
"""

from django.forms import Widget
from django.utils.html import format_html

SHOWN_NUMBERS = 4


class Unchanged:
    """What a VectorFormField gives when nothing was pasted: keep the stored vector."""

    def __repr__(self):
        return "UNCHANGED"


UNCHANGED = Unchanged()


def summary(vector, shown=SHOWN_NUMBERS):
    """Return "N numbers: a, b, c, d, …" for a vector (or "no vector")."""
    if not vector:
        return "no vector"
    head = ", ".join(f"{number:.4g}" for number in vector[:shown])
    return f"{len(vector)} numbers: {head}{', …' if len(vector) > shown else ''}"


class VectorWidget(Widget):
    dimensions = None

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        size = f"{self.dimensions} numbers" if self.dimensions else "numbers"
        return format_html(
            '<div class="djongo-search-vector"><p class="vector-summary">{}</p>'
            '<textarea name="{}" id="{}" rows="2" cols="60" '
            'placeholder="Paste a JSON list of {} to replace it"></textarea></div>',
            summary(value if hasattr(value, "__len__") and not isinstance(value, str) else None),
            name,
            attrs.get("id", f"id_{name}"), size)

    def value_from_datadict(self, data, files, name):
        pasted = (data.get(name) or "").strip()
        return pasted or UNCHANGED

    def value_omitted_from_data(self, data, files, name):
        return not (data.get(name) or "").strip()
