"""Form fields and widgets that edit documents and arrays without typing JSON by hand.

The widgets' templates and static files come with the `djongo_core` app: add "djongo_core" to
INSTALLED_APPS to use them (in the admin, or any form).
"""

from djongo_core.forms.embedded import EmbeddedFormField, EmbeddedListFormField
from djongo_core.forms.lists import ListFormField, NestedListFormField

__all__ = ["EmbeddedFormField", "EmbeddedListFormField", "ListFormField", "NestedListFormField"]
