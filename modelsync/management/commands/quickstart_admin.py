"""Creates the quickstart superuser with a random password, printed once and kept in var/ (mode 0600)."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


def first_login_path() -> Path:
    return Path(settings.VAR_DIR) / "first-login.txt"


def _keep(text: str) -> Path:
    """Write the login readable by this user only, so it is there when the terminal has scrolled it away."""
    path = first_login_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as kept:
        kept.write(text + "\n")
    path.chmod(0o600)  # an older file with wider permissions is narrowed too
    return path


class Command(BaseCommand):
    help = "Create the 'admin' superuser with a random password (printed once, kept in var/) unless it exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options):
        users = get_user_model().objects
        kept = first_login_path()
        if users.filter(username=username).exists():
            where = f"kept in {kept}" if kept.exists() else "printed on the first run"
            self.stdout.write(
                f"Log in as '{username}' with the password {where} "
                f"(forgot it? .venv/bin/python manage.py changepassword {username})."
            )
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        _keep(f"username: {username}\npassword: {password}")
        self.stdout.write(f"Log in as '{username}' with password: {password}  (shown once; kept in {kept}, mode 0600)")
