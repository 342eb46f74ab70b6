"""Rotating an endpoint's secret in admin (both sign, then the new one only: retired by staff or expired), secrets
issued before Standard Webhooks, retries under one webhook-id, and endpoints limited to some models."""

import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from modelsync.changes.outbox import delivery_attempt, outbox_drain, webhook_secret_rotate
from modelsync.changes.scope import MAX_MODEL_PATTERNS
from modelsync.changes.signing import _encrypt
from modelsync.models import Event, WebhookDelivery, WebhookEndpoint
from tests.factories import LLMModelFactory
from tests.modelsync.changes.test_webhooks import drain_and_send, endpoint_for, event, verified

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:modelsync_webhookendpoint_changelist"


def refused(received, secret) -> bool:
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(received.body, received.headers)
    return True


def action(admin_client, name: str, endpoint: WebhookEndpoint, follow: bool = False):
    return admin_client.post(reverse(CHANGELIST), {"action": name, "_selected_action": [endpoint.pk]}, follow=follow)


def test_after_a_rotation_both_secrets_verify_until_staff_retire_the_old_one(receiver, admin_client):
    endpoint, old = endpoint_for(receiver)
    ((_, new),) = action(admin_client, "rotate_secret", endpoint).context["shown"]
    event()
    drain_and_send()
    rotating = receiver.received[0]
    assert len(rotating.headers["webhook-signature"].split(" ")) == 2
    assert verified(rotating, new) == verified(rotating, old)  # each secret on its own

    response = action(admin_client, "retire_old_secret", endpoint, follow=True)
    assert "Retired the old secret of 1 endpoint(s)" in response.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.previous_secret_encrypted, endpoint.previous_secret_until) == ("", None)
    event()
    drain_and_send()
    retired = receiver.received[1]
    assert verified(retired, new)["type"] == "model.price_changed" and refused(retired, old)


def test_the_old_secret_expires_after_the_rotation_hours(receiver, settings):
    settings.MODELSYNC_WEBHOOK_ROTATION_HOURS = 48
    endpoint, old = endpoint_for(receiver)
    before = timezone.now()
    endpoint, new = webhook_secret_rotate(endpoint.pk)
    assert before + timedelta(hours=48) <= endpoint.previous_secret_until <= timezone.now() + timedelta(hours=48)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_until=timezone.now() - timedelta(seconds=1))
    event()
    drain_and_send()
    assert verified(receiver.received[0], new) and refused(receiver.received[0], old)
    endpoint.refresh_from_db()
    assert endpoint.previous_secret_encrypted == ""  # the drain does not keep a secret that signs nothing


def test_a_second_rotation_waits_for_the_first_to_end(receiver, admin_client):
    endpoint, _ = endpoint_for(receiver)
    action(admin_client, "rotate_secret", endpoint)
    endpoint.refresh_from_db()
    kept = (endpoint.secret_encrypted, endpoint.previous_secret_encrypted)
    response = action(admin_client, "rotate_secret", endpoint, follow=True)
    assert "Team: already rotating; retire its old secret first" in response.content.decode()
    assert response.redirect_chain == [(reverse(CHANGELIST), 302)]  # back to the list: no secret page
    endpoint.refresh_from_db()
    assert (endpoint.secret_encrypted, endpoint.previous_secret_encrypted) == kept


def test_a_secret_issued_before_keeps_verifying_as_bytes_and_rotates_to_a_standard_one(receiver, admin_client):
    legacy = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = WebhookEndpoint.objects.create(name="old", url=receiver.url, secret_encrypted=_encrypt(legacy))
    page = admin_client.get(reverse("admin:modelsync_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert "Issued before Standard Webhooks" in page and legacy not in page
    ((_, new),) = action(admin_client, "rotate_secret", endpoint).context["shown"]
    event()
    drain_and_send()
    assert verified(receiver.received[0], legacy.encode()) == verified(receiver.received[0], new)


def test_every_attempt_is_signed_anew_under_the_same_webhook_id(receiver):
    receiver.script = [(500, 0)]
    _, secret = endpoint_for(receiver)
    event()
    (pk,) = outbox_drain()
    delivery_attempt(pk), delivery_attempt(pk)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(WebhookDelivery.objects.get().delivery_id)
    assert verified(first, secret) == verified(second, secret)


# --- Models by name or pattern ----------------------------------------------------------------------------------


def test_an_endpoint_limited_to_models_hears_those_and_the_events_about_no_model(receiver):
    _, secret = endpoint_for(receiver, model_patterns=["openai/gpt-4o*", "Anthropic/Claude-Sonnet-4-5"],
                             callable_only=False)  # fmt: skip
    unnamed = LLMModelFactory(model="openai/gpt-4o-2024-08-06")  # an event whose data names no model
    expected = [
        Event.objects.create(type="model.price_changed", data={"model": "openai/gpt-4o-mini", "changes": {}}),
        Event.objects.create(type="model.created", data={"model": "anthropic/claude-sonnet-4-5", "changes": {}}),
        Event.objects.create(type="model.updated", llm_model=unnamed, data={}),
        Event.objects.create(type="source.failing", data={"source": "gateway", "consecutive_failures": 3}),
    ]
    Event.objects.create(type="model.price_changed", data={"model": "openai/gpt-4.1", "changes": {}})
    Event.objects.create(type="model.created", data={"model": "anthropic/claude-sonnet-4-5-mini", "changes": {}})
    drain_and_send()
    assert [verified(one, secret)["event"]["id"] for one in receiver.received] == [e.pk for e in expected]


def post_patterns(admin_client, receiver, text: str):
    return admin_client.post(reverse("admin:modelsync_webhookendpoint_add"),
                             {"name": "app", "url": receiver.url, "enabled": "on", "model_patterns": text})  # fmt: skip


def test_the_admin_form_saves_one_pattern_per_line_and_shows_them_so(receiver, admin_client):
    post_patterns(admin_client, receiver, "openai/gpt-4o*\r\n  gemini/gemini-2.5-pro \r\nopenai/gpt-4o*\r\n")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.model_patterns == ["openai/gpt-4o*", "gemini/gemini-2.5-pro"]
    page = admin_client.get(reverse("admin:modelsync_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert "openai/gpt-4o*\ngemini/gemini-2.5-pro</textarea>" in page


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("openai/gpt-4o\n\ngemini/*", "Line 2: An empty pattern names no model; remove the empty line."),
        ("x" * 201, "is longer than 200 characters."),
        ("openai/gpt-[4o", "Line 1: &#x27;openai/gpt-[4o&#x27;: a [ opens a set of characters that is never closed"),
        ("a/b c", "contains a space or a control character"),
        ("\n".join(f"m{n}" for n in range(MAX_MODEL_PATTERNS + 1)), f"101 patterns; at most {MAX_MODEL_PATTERNS}"),
    ],
)
def test_the_admin_form_names_what_is_wrong_with_a_pattern(receiver, admin_client, text, error):
    response = post_patterns(admin_client, receiver, text)
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert error in response.content.decode()


def test_an_unreadable_secret_is_said_so_and_rotating_it_delivers_again(receiver, admin_client, settings):
    now, settings.SECRET_KEY = settings.SECRET_KEY, "the-key-before"
    endpoint, _ = endpoint_for(receiver)
    settings.SECRET_KEY = now  # DJANGO_SECRET_KEY changed since: the stored secret cannot be decrypted
    page = admin_client.get(reverse("admin:modelsync_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert "Not readable with this DJANGO_SECRET_KEY" in page
    ((_, new),) = action(admin_client, "rotate_secret", endpoint).context["shown"]
    event()
    drain_and_send()
    assert verified(receiver.received[0], new) and len(receiver.received[0].headers["webhook-signature"].split()) == 1
