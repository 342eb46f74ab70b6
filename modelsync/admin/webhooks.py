"""Webhook endpoints in admin: the SSRF check on the form, the secret shown once, a test delivery, the log."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from modelsync.changes.outbox import test_delivery_create, url_refusal
from modelsync.changes.signing import endpoint_secret_reset
from modelsync.models import Event, WebhookEndpoint

DELIVERY_LOG_LIMIT = 50


# --- Webhooks ------------------------------------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm):
    # A plain text field: the target rule (modelsync.changes.targets) is the one validator, so its reason is shown
    # rather than Django's "Enter a valid URL" for hosts such as 2130706433 that it reads differently.
    url = forms.CharField(max_length=500, help_text="Where events are POSTed (http:// or https://, a public address); "
                                                     "no redirects are followed.")  # fmt: skip
    event_types = forms.MultipleChoiceField(
        choices=Event.Type.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event type.",
    )  # fmt: skip

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "event_types", "source", "callable_only", "enabled")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if refusal := url_refusal(url):
            raise forms.ValidationError(refusal)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "callable_only", "enabled", "consecutive_failures", "disabled_reason")
    list_filter = ("enabled", "callable_only")
    readonly_fields = ("consecutive_failures", "disabled_reason", "created_at", "delivery_log")
    actions = ["send_test_event"]

    def save_model(self, request, obj, form, change):
        if not change:
            request.webhook_secret = endpoint_secret_reset(obj)
            obj.last_event_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if change and "enabled" in form.changed_data and obj.enabled:
            obj.consecutive_failures, obj.disabled_reason = 0, ""  # staff turned it back on
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        """The secret, once: it is kept only encrypted and no page shows it again."""
        context = {**self.admin_site.each_context(request), "endpoint": obj, "secret": request.webhook_secret,
                   "title": "Save the signing secret", "opts": self.opts}  # fmt: skip
        return TemplateResponse(request, "admin/modelsync/webhookendpoint/secret_once.html", context)

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
