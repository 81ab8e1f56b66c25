"""Form fields for arrays of scalars: one input per item with add and remove buttons
(widgets.js); nested arrays are edited as JSON text."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from djongo_core.forms.embedded import MEDIA


class ListWidget(forms.Widget):
    """One input of the item field's own widget per item, all under the same name; without
    JavaScript an empty input is always offered for one more item. After an error only the
    inputs of the wrong items are marked invalid (aria-invalid), as Django marks fields."""

    template_name = "djongo_core/widgets/list.html"
    media = MEDIA
    item_widget = None  # set by ListFormField
    #: Positions of the items the last cleaning found wrong (set by ListFormField).
    invalid_items = frozenset()

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        items = getlist(name) if getlist else data.get(name, [])
        # An input left empty is no item (it is how the form offers "one more").
        return [item for item in items if item not in ("", None)]

    def value_omitted_from_data(self, data, files, name):
        # An empty list sends nothing: omitted and emptied look alike, as for checkboxes.
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # The field's aria-invalid belongs to the wrong items only.
        attrs = {key: item for key, item in context["widget"]["attrs"].items()
                 if key not in ("id", "aria-invalid")}
        render = self.item_widget.render
        context["widget"]["items"] = [
            render(name, item, {**attrs, "aria-invalid": "true"}
                   if position in self.invalid_items else attrs)
            for position, item in enumerate(value or [])]
        context["widget"]["empty_item"] = render(name, None, attrs)
        return context


class ListFormField(forms.Field):
    """A list of values, each cleaned by the item's form field."""

    widget = ListWidget
    default_error_messages = {
        "item_invalid": _("Item %(nth)s: %(message)s"),
        "too_many": _("At most %(size)s items are allowed; there are %(count)s."),
    }

    def __init__(self, base_field, size=None, **kwargs):
        kwargs.pop("max_length", None)
        # A callable default (list) asks for a hidden copy of the initial value, which a
        # single hidden input cannot hold; the initial value is compared directly instead.
        kwargs.pop("show_hidden_initial", None)
        self.base_field = base_field
        self.size = size
        super().__init__(**kwargs)
        self.widget.item_widget = base_field.widget

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            value = [value]
        items, errors, invalid = [], [], set()
        for nth, item in enumerate(value, start=1):
            try:
                items.append(self.base_field.clean(item))
            except ValidationError as error:
                invalid.add(nth - 1)
                errors.extend(ValidationError(
                    self.error_messages["item_invalid"], code="item_invalid",
                    params={"nth": nth, "message": message}) for message in error.messages)
        self.widget.invalid_items = frozenset(invalid)
        if errors:
            raise ValidationError(errors)
        return items

    def validate(self, value):
        super().validate(value)
        if self.size is not None and len(value) > self.size:
            raise ValidationError(self.error_messages["too_many"], code="too_many",
                                  params={"size": self.size, "count": len(value)})

    def has_changed(self, initial, data):
        try:
            return list(initial or []) != self.to_python(data)
        except ValidationError:
            return True


class NestedListFormField(forms.JSONField):
    """A list of lists, as JSON text, checked item by item by the model field."""

    default_error_messages = {"not_a_list": _("Enter a JSON list of lists, like [[1, 2], [3]].")}

    def __init__(self, field, **kwargs):
        kwargs.pop("max_length", None)
        # A callable default (list) asks for a hidden copy of the initial value, which a
        # single hidden input cannot hold; the initial value is compared directly instead.
        kwargs.pop("show_hidden_initial", None)
        self.model_field = field
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, list) for item in value):
            raise ValidationError(self.error_messages["not_a_list"], code="not_a_list")
        return self.model_field.to_python(value)
