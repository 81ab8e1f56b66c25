"""Create the demo's superuser (admin / admin) unless it already exists."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"
PASSWORD = "admin"


class Command(BaseCommand):
    help = "Create the demo superuser admin/admin if it does not exist yet."

    def handle(self, *args, **options):
        users = get_user_model().objects
        if users.filter(username=USERNAME).exists():
            self.stdout.write(f"Superuser {USERNAME!r} already exists.")
            return
        users.create_superuser(USERNAME, "admin@example.com", PASSWORD)
        self.stdout.write(f"Created superuser {USERNAME!r} with password {PASSWORD!r}.")
