"""`revoke_feed_tokens USERNAME [--prefix msf_abcd]`: revoke a user's private feed tokens (all, or the one shown)."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import FeedToken
from catalog.tokens import feed_tokens_revoke


class Command(BaseCommand):
    help = "Revoke USERNAME's private feed tokens (every one, or only the one whose prefix admin lists)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--prefix", default="", help="only the token starting with this (as admin lists it)")

    def handle(self, *args, username: str, prefix: str, **options):
        tokens = FeedToken.objects.filter(user__username=username, prefix__startswith=prefix)
        if not tokens.exists():
            raise CommandError(f"{username!r} has no feed token{' starting with ' + prefix if prefix else ''}.")
        revoked = feed_tokens_revoke(feed_tokens=tokens)
        self.stdout.write(f"Revoked {revoked} feed token(s) of {username!r}.")
