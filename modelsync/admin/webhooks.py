"""Webhook endpoints in admin: the SSRF check and the model patterns on the form, the secret shown once (at creation
and at rotation), retiring an old secret, a test delivery, the log."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from modelsync.changes.outbox import (
    test_delivery_create,
    url_refusal,
    webhook_old_secrets_retire,
    webhook_secret_rotate,
)
from modelsync.changes.scope import MAX_MODEL_PATTERNS, model_pattern_problem
from modelsync.changes.signing import endpoint_is_rotating, endpoint_secret_kind, endpoint_secret_reset
from modelsync.models import Event, WebhookEndpoint

DELIVERY_LOG_LIMIT = 50
SECRET_ONCE = "admin/modelsync/webhookendpoint/secret_once.html"
SECRET_KINDS = {
    "standard": "Standard Webhooks (whsec_)",
    "legacy": "Issued before Standard Webhooks: receivers pass it as bytes; rotate it for a standard one",
    "unreadable": "Not readable with this DJANGO_SECRET_KEY (it was changed): deliveries fail; rotate it",
}


# --- Webhooks ------------------------------------------------------------------------------------------------


class ModelPatternsField(forms.CharField):
    """A list of model names or glob patterns, edited one per line; each one checked (modelsync.changes.scope)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines()] if text else []

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        errors = [f"Line {number}: {problem}" for number, pattern in enumerate(value, 1)
                  if (problem := model_pattern_problem(pattern))]  # fmt: skip
        if len(value) > MAX_MODEL_PATTERNS:
            errors.append(f"{len(value)} patterns; at most {MAX_MODEL_PATTERNS} (a glob covers a family: gpt-4o*).")
        if errors:
            raise forms.ValidationError(errors)

    def clean(self, value) -> list[str]:
        return list(dict.fromkeys(super().clean(value)))  # the same pattern twice is once


class WebhookEndpointForm(forms.ModelForm):
    # A plain text field: the target rule (modelsync.changes.targets) is the one validator, so its reason is shown
    # rather than Django's "Enter a valid URL" for hosts such as 2130706433 that it reads differently.
    url = forms.CharField(max_length=500, help_text="Where events are POSTed (http:// or https://, a public address); "
                                                     "no redirects are followed.")  # fmt: skip
    event_types = forms.MultipleChoiceField(
        choices=Event.Type.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event type.",
    )  # fmt: skip
    model_patterns = ModelPatternsField(
        label="Models", required=False,
        help_text="Only events about these models: one exact name or glob pattern per line (openai/gpt-4o*, "
                  "*claude-sonnet*), case-insensitive. Empty: every model. Events about no model (a failing source, "
                  "a test) are sent either way; untick their type to leave them out.",
    )  # fmt: skip

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "event_types", "source", "model_patterns", "callable_only", "enabled")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if refusal := url_refusal(url):
            raise forms.ValidationError(refusal)
        return url


def _secret_page(request, admin_site, opts, shown: list[tuple[WebhookEndpoint, str]], *, rotated: bool):
    """The secrets, once: they are kept only encrypted and no page shows them again (nor may a cache keep this one)."""
    context = {**admin_site.each_context(request), "shown": shown, "rotated": rotated, "opts": opts,
               "title": "Save the new signing secret" if rotated else "Save the signing secret"}  # fmt: skip
    response = TemplateResponse(request, SECRET_ONCE, context)
    add_never_cache_headers(response)
    return response


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "callable_only", "enabled", "consecutive_failures", "disabled_reason")
    list_filter = ("enabled", "callable_only")
    readonly_fields = ("secret_state", "consecutive_failures", "disabled_reason", "created_at", "delivery_log")
    actions = ["send_test_event", "rotate_secret", "retire_old_secret"]

    def save_model(self, request, obj, form, change):
        if not change:
            request.webhook_secret = endpoint_secret_reset(obj)
            obj.last_event_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if change and "enabled" in form.changed_data and obj.enabled:
            obj.consecutive_failures, obj.disabled_reason = 0, ""  # staff turned it back on
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        return _secret_page(request, self.admin_site, self.opts, [(obj, request.webhook_secret)], rotated=False)

    @admin.display(description="Signing secret")
    def secret_state(self, obj: WebhookEndpoint) -> str:
        """What kind of secret signs and whether an old one signs too; never a secret."""
        if obj.pk is None:
            return "Issued when the endpoint is saved, and shown once."
        kind = SECRET_KINDS[endpoint_secret_kind(obj)]
        if endpoint_is_rotating(obj, timezone.now()):
            until = timezone.localtime(obj.previous_secret_until).strftime("%Y-%m-%d %H:%M %Z")
            return f"{kind}. Rotating: the old secret signs too until {until}."
        return f"{kind}."

    @admin.display(description="Latest deliveries")
    def delivery_log(self, obj: WebhookEndpoint):
        if obj.pk is None:
            return "—"
        deliveries = obj.deliveries.select_related("event").order_by("-id")[:DELIVERY_LOG_LIMIT]
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((d.created_at.strftime("%Y-%m-%d %H:%M:%S"), d.event.type if d.event else "webhook.test", d.status,
              d.attempts, d.last_status_code or "—", d.last_error or "—", d.delivery_id) for d in deliveries),
        )  # fmt: skip
        head = "<tr><th>Created</th><th>Event</th><th>Status</th><th>Attempts</th><th>Last HTTP</th>"
        head += "<th>Last error</th><th>Delivery id</th></tr>"
        return format_html("<table>{}{}</table>", mark_safe(head), rows) if deliveries else "No deliveries yet."

    @admin.action(description="Send a test event to the selected endpoints", permissions=["change"])
    def send_test_event(self, request, queryset):
        endpoints = list(queryset.filter(enabled=True))
        for endpoint in endpoints:
            test_delivery_create(endpoint)
        self.message_user(request, f"Queued a test event for {len(endpoints)} enabled endpoint(s).", messages.SUCCESS)

    @admin.action(description="Rotate the signing secret (the old one keeps signing for a while)",
                  permissions=["change"])  # fmt: skip
    def rotate_secret(self, request, queryset):
        shown = []
        for pk in queryset.values_list("pk", flat=True):
            endpoint, secret = webhook_secret_rotate(pk)
            if secret is None:
                self.message_user(request, f"{endpoint}: already rotating; retire its old secret first, or wait until "
                                           "it expires.", messages.WARNING)  # fmt: skip
            else:
                shown.append((endpoint, secret))
        return _secret_page(request, self.admin_site, self.opts, shown, rotated=True) if shown else None

    @admin.action(description="Retire the old signing secret (only the new one signs)", permissions=["change"])
    def retire_old_secret(self, request, queryset):
        count = webhook_old_secrets_retire(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Retired the old secret of {count} endpoint(s); only their new secret signs now.",
                          messages.SUCCESS)  # fmt: skip
