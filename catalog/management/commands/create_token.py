"""`create_token USERNAME [--staff] [--rotate]`: an API token for the shell, the key alone on stdout."""

from django.core.management.base import BaseCommand, CommandError

from catalog.tokens import TokenExists, api_token_issue


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME (the user is created when missing) and print the key once. "
        "Use it as: curl -H 'Authorization: Token KEY' ..."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--staff", action="store_true", help="the user is staff (may trigger syncs, curate)")
        parser.add_argument("--rotate", action="store_true", help="replace the user's existing token")

    def handle(self, *args, username: str, staff: bool, rotate: bool, **options):
        try:
            issued = api_token_issue(username, staff=staff, rotate=rotate)
        except TokenExists:
            raise CommandError(
                f"{username!r} already has a token and it cannot be shown again; "
                f"--rotate replaces it (clients using the old one stop working)"
            ) from None
        # The key alone on stdout, so `TOKEN=$(python manage.py create_token alice)` works; the rest on stderr.
        what = "new user" if issued.user_created else ("replaced token of" if issued.replaced else "user")
        self.stderr.write(f"API token for {what} {username!r}{' (staff)' if staff else ''}; shown only this once:")
        self.stdout.write(issued.key)
