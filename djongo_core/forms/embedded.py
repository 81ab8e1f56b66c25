"""Form fields for embedded documents: a sub-form rendered as a fieldset, and a list of
sub-forms rendered as rows that can be added, removed and reordered (a formset).

The widgets hand the bound sub-form (or formset) to the form field, which validates it and
returns the embedded model instance (or the list of them); after an error, the widget renders
the same bound sub-form, so every message shows next to its own input.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import ORDERING_FIELD_NAME, formset_factory
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from djongo_core.fields.embedded import EmbeddedModelField, stored_fields

MEDIA = forms.Media(js=["djongo_core/widgets.js"], css={"all": ["djongo_core/widgets.css"]})


class EmbeddedModelForm(forms.ModelForm):
    """The form of one embedded document."""

    def validate_unique(self):
        # An embedded document has no collection of its own to look for duplicates in.
        pass


def embedded_form_class(model, formfield_callback=None):
    """Return the ModelForm class editing the stored fields of an embedded model;
    formfield_callback(model_field, **kwargs) picks the form fields (the admin's widgets)."""
    names = [field.name for field in stored_fields(model) if field.editable]
    return forms.modelform_factory(model, form=EmbeddedModelForm, fields=names,
                                   formfield_callback=formfield_callback)


def _as_dict(model, instance):
    return EmbeddedModelField(model).serializable(instance)


class EmbeddedFormWidget(forms.Widget):
    """The embedded model's fields, under the outer field's name as their prefix."""

    template_name = "djongo_core/widgets/embedded.html"
    media = MEDIA
    form_class = None  # set by EmbeddedFormField

    def value_from_datadict(self, data, files, name):
        return self.form_class(data, files, prefix=name)

    def value_omitted_from_data(self, data, files, name):
        prefix = name + "-"
        return not any(key.startswith(prefix) for key in (*data, *files))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, forms.BaseForm):
            form = value
        else:
            form = self.form_class(instance=value, prefix=name)
        context["widget"]["form"] = form
        return context


class EmbeddedFormField(forms.Field):
    """One embedded document; left entirely empty, an optional one is removed (None)."""

    widget = EmbeddedFormWidget
    default_error_messages = {"invalid": _("Correct the errors in %(label)s below.")}

    def __init__(self, model, formfield_callback=None, **kwargs):
        kwargs.pop("max_length", None)
        # A callable default (list) asks for a hidden copy of the initial value, which a
        # single hidden input cannot hold; the initial value is compared directly instead.
        kwargs.pop("show_hidden_initial", None)
        self.model = model
        super().__init__(**kwargs)
        self.widget.form_class = embedded_form_class(model, formfield_callback)

    def clean(self, value):
        if isinstance(value, forms.BaseForm):
            if not self.required and not value.has_changed():
                value = None
            elif not value.is_valid():
                raise ValidationError(self.error_messages["invalid"], code="invalid",
                                      params={"label": self.label or _("this document")})
            else:
                value = value.instance
        return super().clean(value)

    def has_changed(self, initial, data):
        try:
            value = self.clean(data)
        except ValidationError:
            return True
        return _as_dict(self.model, initial) != _as_dict(self.model, value)


class EmbeddedListWidget(forms.Widget):
    """Rows of the embedded model's fields, with buttons to add, remove and reorder rows
    (widgets.js); without JavaScript, the order and delete inputs do the same."""

    template_name = "djongo_core/widgets/embedded_list.html"
    media = MEDIA
    formset_class = None  # set by EmbeddedListFormField

    def value_from_datadict(self, data, files, name):
        return self.formset_class(data, files, prefix=name)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-TOTAL_FORMS" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, forms.BaseFormSet):
            formset = value
        else:
            initial = [model_to_dict(item) for item in value or []]
            formset = self.formset_class(initial=initial, prefix=name)
        context["widget"]["formset"] = formset
        context["widget"]["ordering_field"] = ORDERING_FIELD_NAME
        return context


class EmbeddedListFormField(forms.Field):
    """A list of embedded documents, in the order the rows are in."""

    widget = EmbeddedListWidget
    default_error_messages = {
        "invalid": _("Correct the errors in the rows below."),
        "too_many": _("At most %(size)s rows are allowed; there are %(count)s."),
    }

    def __init__(self, model, size=None, formfield_callback=None, **kwargs):
        kwargs.pop("max_length", None)
        # A callable default (list) asks for a hidden copy of the initial value, which a
        # single hidden input cannot hold; the initial value is compared directly instead.
        kwargs.pop("show_hidden_initial", None)
        self.model = model
        self.size = size
        super().__init__(**kwargs)
        self.widget.formset_class = formset_factory(
            embedded_form_class(model, formfield_callback), extra=0, can_delete=True,
            can_order=True)

    def clean(self, value):
        if isinstance(value, forms.BaseFormSet):
            if not value.is_valid():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = [form.instance for form in value.ordered_forms]
        if self.size is not None and value is not None and len(value) > self.size:
            raise ValidationError(self.error_messages["too_many"], code="too_many",
                                  params={"size": self.size, "count": len(value)})
        return super().clean(value)

    def has_changed(self, initial, data):
        try:
            value = self.clean(data)
        except ValidationError:
            return True
        before = [_as_dict(self.model, item) for item in initial or []]
        return before != [_as_dict(self.model, item) for item in value or []]
