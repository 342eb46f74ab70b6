"""`create_feed_token USERNAME [--name LABEL]`: a private feed token for the shell, the token alone on stdout."""

from django.core.management.base import BaseCommand
from django.urls import reverse

from catalog.tokens import FEED_URLS, feed_token_create


class Command(BaseCommand):
    help = (
        "Create a private feed token for USERNAME (the user is created when missing) and print it once. "
        "Feed readers use it as /feeds/changes.atom?token=TOKEN and /feeds/retirements.ics?token=TOKEN."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="where it is used, e.g. 'Thunderbird at work'")

    def handle(self, *args, username: str, name: str, **options):
        feed_token, token, created = feed_token_create(username, name=name)
        # The token alone on stdout, so `TOKEN=$(python manage.py create_feed_token alice)` works; the rest on stderr.
        urls = " and ".join(f"{reverse(url_name)}?token=TOKEN" for url_name, _ in FEED_URLS)
        self.stderr.write(
            f"Feed token {feed_token.prefix}… for {'new user ' if created else ''}{username!r}; shown only this once. "
            f"Use it as {urls}; revoke it in admin (Feed tokens) or with revoke_feed_tokens {username}."
        )
        self.stdout.write(token)
