"""The system check that the fields edited with djongo_core's widgets can render them.

The widgets' templates and static files ship in the djongo_core app. Without it in
INSTALLED_APPS everything works until a form renders the field: the admin's add page is then
a 500 (TemplateDoesNotExist: djongo_core/widgets/list.html). `manage.py check` says so first.
"""

from django.apps import apps
from django.core import checks

APP = "djongo_core"


def widgets_app_errors(field):
    """Return the error for an editable field whose widget needs the missing djongo_core app."""
    if not field.editable or apps.is_installed(APP):
        return []
    return [checks.Error(
        f"{type(field).__name__} is edited in forms and the admin with djongo_core's widgets, "
        f"whose templates and static files come with the {APP!r} app, which is not in "
        "INSTALLED_APPS.",
        hint=f'Add "{APP}" to INSTALLED_APPS.',
        obj=field, id="djongo_core.E141")]
