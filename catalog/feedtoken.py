"""FeedToken, a catalog model kept in its own module so catalog.models stays under 300 lines; catalog.models imports
it, so Django registers it with the app's other models."""

from django.conf import settings
from django.db import models


class FeedToken(models.Model):
    """A private feed URL's secret (`?token=`): its user's read access to the Atom and iCalendar feeds, whose readers
    cannot send an Authorization header. Only the sha256 of the token is kept; it is shown once (catalog.tokens)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="Where it is used, e.g. 'Thunderbird at work'.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The token's first characters, enough to tell a user's tokens apart and nowhere near enough to guess one.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
