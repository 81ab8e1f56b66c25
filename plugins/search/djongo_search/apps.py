"""The djongo_search app: registers the ``search`` lookup of text fields (``body__search=``)."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "djongo_search"
    verbose_name = "djongo search"

    def ready(self):
        from djongo_search.search import register_search_lookup

        register_search_lookup()
