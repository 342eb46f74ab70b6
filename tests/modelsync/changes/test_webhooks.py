"""Webhooks in one process: signed deliveries to a real loopback receiver, retries, disable, the secret (SSRF:
test_webhook_targets.py)."""

import io
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse
from standardwebhooks import Webhook

from modelsync.changes.outbox import delivery_attempt, outbox_drain, url_refusal
from modelsync.changes.signing import endpoint_secret_reset, signing_key
from modelsync.models import Event, Source, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def endpoint_for(receiver, **fields) -> tuple[WebhookEndpoint, str]:
    endpoint = WebhookEndpoint(name="team", url=receiver.url, **fields)
    secret = endpoint_secret_reset(endpoint)
    endpoint.save()
    return endpoint, secret


def drain_and_send() -> list[float | None]:
    return [delivery_attempt(pk) for pk in outbox_drain()]


def verified(received, secret: str) -> dict:
    """The body, once the Standard Webhooks reference verifier accepts it (it raises otherwise)."""
    return Webhook(secret).verify(received.body, received.headers)


def event(type_: str = "model.price_changed", source=None) -> Event:
    return Event.objects.create(type=type_, source=source, data={"model": "acme/chat", "changes": {}})


def test_each_matching_event_is_one_signed_delivery(receiver):
    source = Source.objects.create(name="gateway", kind="static")
    _, secret = endpoint_for(receiver, event_types=["model.price_changed", "model.deactivated"], source=source)
    wanted = [event(source=source), event("model.deactivated", source=source)]
    event("model.created", source=source), event(source=None)  # another type, another source: not sent
    assert drain_and_send() == [None, None]
    assert drain_and_send() == []  # nothing twice
    bodies = [verified(received, secret) for received in receiver.received]
    assert [body["event"]["id"] for body in bodies] == [e.pk for e in wanted]
    first = receiver.received[0]
    assert first.headers["X-Modelsync-Event"] == "model.price_changed"
    delivery = WebhookDelivery.objects.get(event=wanted[0])
    assert first.headers["webhook-id"] == str(delivery.delivery_id) == bodies[0]["delivery"]
    assert "X-Modelsync-Signature" not in first.headers  # the scheme of our own is gone
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)


def test_an_endpoint_hears_only_events_after_it_was_created(receiver):
    event()
    endpoint, _ = endpoint_for(receiver)
    endpoint.last_event_id = Event.objects.get().pk  # as admin sets it at creation
    endpoint.save()
    assert drain_and_send() == []


def test_500_twice_then_200_is_three_attempts_with_backoff_and_one_success(receiver):
    receiver.script = [(500, 0), (500, 0)]
    endpoint, _ = endpoint_for(receiver)
    event()
    (pk,) = outbox_drain()
    assert [delivery_attempt(pk), delivery_attempt(pk), delivery_attempt(pk)] == [0.5, 1.0, None]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 3, 200)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1 and len(receiver.received) == 3
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_a_leased_delivery_waiting_for_its_retry_is_not_sent_early(receiver):
    receiver.script = [(503, 0)]
    endpoint_for(receiver)
    event()
    assert drain_and_send() == [0.5]
    assert outbox_drain() == []  # the retry is the task's; the lease keeps the drain off it


def test_bounded_attempts_then_failed_and_many_failures_disable_the_endpoint(receiver, settings):
    settings.MODELSYNC_WEBHOOK_MAX_ATTEMPTS = 2
    settings.MODELSYNC_WEBHOOK_DISABLE_AFTER = 3
    receiver.script = [(500, 0)] * 10
    endpoint, _ = endpoint_for(receiver)
    first, second = event(), event()
    for one in (first, second):
        outbox_drain()
        pk = WebhookDelivery.objects.get(event=one).pk
        while delivery_attempt(pk) is not None:
            pass
    statuses = list(WebhookDelivery.objects.order_by("id").values_list("status", "attempts"))
    assert statuses == [("failed", 2), ("pending", 1)]  # disabled on the third failure in a row
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason.startswith("Disabled after 3 failed deliveries in a row")
    assert "HTTP 500" in endpoint.disabled_reason and len(receiver.received) == 3


def test_redirects_are_not_followed_and_a_slow_receiver_times_out(receiver):
    receiver.script = [(302, 0), (200, 2.0)]
    endpoint_for(receiver)
    event()
    (pk,) = outbox_drain()
    delivery_attempt(pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code == 302 and "redirects are not followed" in delivery.last_error
    assert len(receiver.received) == 1  # not followed to /elsewhere
    delivery_attempt(pk)
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and delivery.last_error.startswith(("ReadTimeoutError", "TimeoutError"))


def test_a_public_address_and_non_http_urls(settings):
    assert url_refusal("http://93.184.215.14/hook") is None
    assert url_refusal("ftp://93.184.215.14/") == "Enter an http:// or https:// URL."
    assert "does not resolve" in url_refusal("http://no-such-host.invalid/")


def test_a_delivery_rechecks_the_target_at_send_time(receiver, settings):
    endpoint_for(receiver)
    event()
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = False
    drain_and_send()
    assert "127.0.0.1 is a loopback address" in WebhookDelivery.objects.get().last_error and not receiver.received


def test_the_admin_form_names_the_ssrf_refusal(admin_client):
    response = admin_client.post(reverse("admin:modelsync_webhookendpoint_add"),
                                 {"name": "x", "url": "http://169.254.169.254/", "enabled": "on"})  # fmt: skip
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "169.254.169.254 is a link-local address; webhooks go to public addresses only" in (
        response.content.decode()
    )  # more cases: test_webhook_targets.py


def test_the_secrets_are_shown_once_and_found_nowhere_after(receiver, admin_client, reader, client, caplog):
    """Canary secrets, the first and a rotated one: on their one page each, then in no page, API answer, metrics,
    log line or dumpdata, in any form (the whole secret, its base64 key, the key in hex)."""
    caplog.set_level(logging.DEBUG)
    event()
    add = admin_client.post(reverse("admin:modelsync_webhookendpoint_add"),
                            {"name": "canary", "url": receiver.url, "enabled": "on",
                             "event_types": ["model.price_changed"]})  # fmt: skip
    ((_, secret),) = add.context["shown"]
    assert secret.startswith("whsec_") and secret in add.content.decode() and "no-store" in add["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.last_event_id == Event.objects.get().pk  # history is not replayed to a new endpoint
    event()
    drain_and_send()
    verified(receiver.received[0], secret)
    changelist = reverse("admin:modelsync_webhookendpoint_changelist")
    rotate = admin_client.post(changelist, {"action": "rotate_secret", "_selected_action": [endpoint.pk]})
    ((_, new),) = rotate.context["shown"]
    assert new in rotate.content.decode() and secret not in rotate.content.decode()
    assert "no-store" in rotate["Cache-Control"]

    admin_client.post(changelist, {"action": "send_test_event", "_selected_action": [endpoint.pk]})
    pages = [admin_client.get(reverse("admin:modelsync_webhookendpoint_change", args=[endpoint.pk])),
             admin_client.get(changelist), reader.get("/api/v1/changes/"), client.get("/metrics")]  # fmt: skip
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    texts = [page.content.decode() for page in pages] + [dump.getvalue(), caplog.text]
    canaries = [form for one in (secret, new) for form in (one, one.removeprefix("whsec_"), signing_key(one).hex())]
    assert [(canary, n) for canary in canaries for n, text in enumerate(texts) if canary in text] == []
    assert "succeeded" in texts[0] and "model.price_changed" in texts[0]  # the delivery log
    assert "Rotating: the old secret signs too until" in texts[0] and pages[3].status_code == 200


def test_send_test_event_delivers_a_signed_test(receiver, admin_client, django_capture_on_commit_callbacks,
                                                monkeypatch):  # fmt: skip
    from modelsync import tasks

    endpoint, secret = endpoint_for(receiver)
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda pk: delivery_attempt(pk))
    with django_capture_on_commit_callbacks(execute=True):
        action = {"action": "send_test_event", "_selected_action": [endpoint.pk]}
        response = admin_client.post(reverse("admin:modelsync_webhookendpoint_changelist"), action, follow=True)
    assert "Queued a test event for 1 enabled endpoint(s)." in response.content.decode()
    body = verified(receiver.wait_for(1)[0], secret)
    assert body["type"] == "webhook.test" and body["event"] is None
    assert receiver.received[0].headers["X-Modelsync-Event"] == "webhook.test"


def test_send_test_event_with_the_broker_down_answers_and_the_drain_delivers_later(
    receiver, admin_client, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from kombu.exceptions import OperationalError

    from modelsync import tasks

    def refused(pk):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    endpoint, secret = endpoint_for(receiver)
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        action = {"action": "send_test_event", "_selected_action": [endpoint.pk]}
        response = admin_client.post(reverse("admin:modelsync_webhookendpoint_changelist"), action, follow=True)
    assert response.status_code == 200
    assert "test delivery not queued (OperationalError)" in caplog.text
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.PENDING and not receiver.received
    assert outbox_drain() == [delivery.pk]  # the periodic drain picks it up once the broker is back
    delivery_attempt(delivery.pk)
    assert verified(receiver.wait_for(1)[0], secret)["type"] == "webhook.test"


def test_re_enabling_a_disabled_endpoint_clears_its_reason(admin_client, receiver):
    endpoint, _ = endpoint_for(receiver, enabled=False, consecutive_failures=20, disabled_reason="Disabled after 20")
    admin_client.post(reverse("admin:modelsync_webhookendpoint_change", args=[endpoint.pk]),
                      {"name": "team", "url": receiver.url, "enabled": "on"})  # fmt: skip
    endpoint.refresh_from_db()
    assert endpoint.enabled and (endpoint.consecutive_failures, endpoint.disabled_reason) == (0, "")
