"""change_received: the Django signal manage.py watch sends for each change it reads.

``change_received.send(sender=<model class>, change=<Change>)``. Connect receivers in an
AppConfig.ready(), as for Django's own signals; they run in the watch worker's process.
"""

from django.dispatch import Signal

change_received = Signal()
