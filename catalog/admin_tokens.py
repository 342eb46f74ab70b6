"""Private feed tokens in admin: staff issue one for a user (the token shown once, as a webhook secret is) and revoke
it; nothing else about a token can change but its label."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse

from catalog.models import FeedToken
from catalog.tokens import FEED_URLS, feed_token_issue, feed_tokens_revoke


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # The user is chosen once: a token moved to another user would read as them with a URL already handed out.
        return self.readonly_fields if obj is None else ("user", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
        else:
            request.feed_token = feed_token_issue(feed_token=obj)

    def response_add(self, request, obj, post_url_continue=None):
        """The token, once, with the feed URLs built from it (admin views are never_cache: no browser keeps it)."""
        query = f"?token={request.feed_token}"
        context = {
            **self.admin_site.each_context(request),
            "title": "Save the private feed URLs",
            "opts": self.opts,
            "feed_token": obj,
            "token": request.feed_token,
            "feed_urls": [(label, request.build_absolute_uri(reverse(name)) + query) for name, label in FEED_URLS],
        }
        return TemplateResponse(request, "admin/catalog/feedtoken/token_once.html", context)

    @admin.action(description="Revoke selected feed tokens", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = feed_tokens_revoke(feed_tokens=queryset)
        self.message_user(request, f"Revoked {revoked} feed token(s); their URLs stop working now.", messages.SUCCESS)
