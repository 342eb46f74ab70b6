"""Creates the quickstart superuser with a random password, printed once; never a fixed default."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the 'admin' superuser with a random password (printed once) unless it exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options):
        users = get_user_model().objects
        if users.filter(username=username).exists():
            self.stdout.write(
                f"Log in as '{username}' with the password printed on the first run "
                f"(forgot it? python manage.py changepassword {username})."
            )
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        self.stdout.write(f"Log in as '{username}' with password: {password}  (shown only this once)")
