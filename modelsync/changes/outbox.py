"""Webhooks: an outbox of events per endpoint, signed deliveries, retries with backoff, auto-disable.

Events are committed with the change that made them (modelsync.changes.events); after the commit a drain is queued, and
beat queues one every MODELSYNC_WEBHOOK_DRAIN_INTERVAL seconds too, so a kick lost with the broker only delays
delivery. The drain turns events past each endpoint's cursor into deliveries and leases the due ones to
workers. A worker killed mid-send leaves its lease to expire, and the next drain sends the delivery again under
the same idempotency id: at least once.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from modelsync import queue
from modelsync.changes.payloads import EventSerializer
from modelsync.changes.scope import events_with_scope_flag, model_matcher
from modelsync.changes.signing import (
    endpoint_is_rotating,
    endpoint_secret_rotate,
    endpoint_signing_secrets,
    webhook_headers,
)
from modelsync.changes.targets import TargetRefused, target_check
from modelsync.models import Event, WebhookDelivery, WebhookEndpoint
from modelsync.sync.http import pinned_post

logger = logging.getLogger("modelsync.webhooks")
DRAIN_BATCH = 1000
TEST_EVENT = "webhook.test"


# --- SSRF: where a webhook may point (the rule is modelsync.changes.targets) ------------------------------------


def url_refusal(url: str) -> str | None:
    """Why `url` may not be a webhook target, or None: the admin form's check, the same one every send makes."""
    try:
        target_check(url, allow_private=settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE)
    except TargetRefused as refusal:
        return str(refusal)
    return None


# --- The outbox ------------------------------------------------------------------------------------------------


def _lease_seconds() -> float:
    return 2 * settings.MODELSYNC_WEBHOOK_TIMEOUT + 5


@transaction.atomic
def outbox_drain() -> list[int]:
    """Deliveries for the events past each enabled endpoint's cursor; then lease and return the due ones."""
    endpoints = list(WebhookEndpoint.objects.select_for_update(skip_locked=True).filter(enabled=True))
    for endpoint in endpoints:
        after_cursor = Event.objects.filter(id__gt=endpoint.last_event_id).order_by("id")
        events = list(events_with_scope_flag(after_cursor).annotate(catalog_name=F("llm_model__model"))[:DRAIN_BATCH])
        if not events:
            continue
        matches = model_matcher(endpoint.model_patterns)
        wanted = [event for event in events if _wants(endpoint, event) and matches(_model_name(event))]
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint=endpoint, event=event, delivery_id=uuid.uuid4()) for event in wanted],
            ignore_conflicts=True,
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(last_event_id=events[-1].pk)
    now = timezone.now()
    # An old secret past its rotation signs nothing more (endpoint_signing_secrets), so it is not kept either; only on
    # the rows this drain holds, so two drains never wait on each other's locks.
    WebhookEndpoint.objects.filter(pk__in=[e.pk for e in endpoints], previous_secret_until__lte=now).update(
        previous_secret_encrypted="", previous_secret_until=None
    )
    due = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        status=WebhookDelivery.Status.PENDING, endpoint__enabled=True, next_attempt_at__lte=now,
    )  # fmt: skip
    ids = list(due.order_by("id").values_list("id", flat=True)[:DRAIN_BATCH])
    WebhookDelivery.objects.filter(pk__in=ids).update(leased_until=now + timedelta(seconds=_lease_seconds()))
    return ids


def _wants(endpoint: WebhookEndpoint, event: Event) -> bool:
    """`event` annotated by modelsync.changes.scope.events_with_scope_flag."""
    return (
        (not endpoint.event_types or event.type in endpoint.event_types)
        and (endpoint.source_id is None or event.source_id == endpoint.source_id)
        and (event.in_callable_scope or not endpoint.callable_only)
    )


def _model_name(event: Event) -> str | None:
    """The model an event is about, by the name its body shows (the catalog's name if the data has none); None for
    an event about no model."""
    named = event.data.get("model") if isinstance(event.data, dict) else None
    return named or event.catalog_name or None


def test_delivery_create(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` delivery for `endpoint`, queued after commit (admin's "Send test event")."""
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=None, delivery_id=uuid.uuid4())

    def unqueued(
        exc: Exception,
    ) -> None:  # the delivery stays pending: the periodic drain sends it once the broker is up
        logger.warning("test delivery not queued (%s); the periodic drain will deliver", type(exc).__name__)

    queue.enqueue_on_commit(queue.WEBHOOK_DELIVER, delivery.pk, unqueued=unqueued)
    return delivery


# --- Secret rotation (admin's "Rotate secret" and "Retire the old secret") -------------------------------------


def webhook_secret_rotate(endpoint_id: int) -> tuple[WebhookEndpoint, str | None]:
    """A new secret for the endpoint, returned once, while the old one signs too for
    MODELSYNC_WEBHOOK_ROTATION_HOURS; None while a rotation is under way, as rotating again would drop the old secret
    at once from under receivers still holding it (retire it first)."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        now = timezone.now()
        if endpoint_is_rotating(endpoint, now):
            return endpoint, None
        secret = endpoint_secret_rotate(endpoint, now, settings.MODELSYNC_WEBHOOK_ROTATION_HOURS)
        endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_until"])
    until = endpoint.previous_secret_until
    logger.info("webhook endpoint=%s secret rotated; the old one signs until %s", endpoint.pk,
                until.isoformat() if until else "never (unreadable)")  # fmt: skip
    return endpoint, secret


def webhook_old_secrets_retire(endpoint_ids: list[int]) -> int:
    """End the rotations of these endpoints now: only the new secret signs. Returns how many were rotating."""
    retired = WebhookEndpoint.objects.filter(pk__in=endpoint_ids).exclude(previous_secret_encrypted="")
    count = retired.update(previous_secret_encrypted="", previous_secret_until=None)
    logger.info("webhook old secrets retired endpoints=%s", sorted(endpoint_ids))
    return count


# --- One attempt -----------------------------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    event = EventSerializer(delivery.event).data if delivery.event else None
    document = {"delivery": str(delivery.delivery_id), "type": event["type"] if event else TEST_EVENT, "event": event}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def delivery_attempt(delivery_pk: int) -> float | None:
    """POST the delivery once; record the outcome. Returns seconds until the next attempt, or None when done."""
    delivery = WebhookDelivery.objects.select_related("endpoint", "event__source").filter(pk=delivery_pk).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING or not delivery.endpoint.enabled:
        return None
    endpoint, now = delivery.endpoint, timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(leased_until=now + timedelta(seconds=_lease_seconds()))
    body = delivery_body(delivery)
    status_code, error = _post(endpoint, delivery, body)
    attempts = delivery.attempts + 1
    record = {"attempts": attempts, "last_status_code": status_code, "last_error": error[:500]}
    if error == "":
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            **record, status=WebhookDelivery.Status.SUCCEEDED, delivered_at=timezone.now(), leased_until=None
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        logger.info("webhook delivered endpoint=%s delivery=%s attempts=%s", endpoint.pk, delivery.delivery_id,
                    attempts)  # fmt: skip
        return None
    _endpoint_failed(endpoint, error)
    if attempts >= settings.MODELSYNC_WEBHOOK_MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            **record, status=WebhookDelivery.Status.FAILED, leased_until=None
        )
        logger.warning("webhook given up endpoint=%s delivery=%s: %s", endpoint.pk, delivery.delivery_id, error)
        return None
    wait = settings.MODELSYNC_WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    due = timezone.now() + timedelta(seconds=wait)
    # The lease covers the wait, so the drain does not send it early; a lost retry message outlives it and is resent.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        **record, next_attempt_at=due, leased_until=due + timedelta(seconds=_lease_seconds())
    )
    logger.info("webhook failed endpoint=%s delivery=%s attempt=%s retry_in=%ss: %s", endpoint.pk,
                delivery.delivery_id, attempts, wait, error)  # fmt: skip
    return wait


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str]:
    """(status code, error): an empty error is a 2xx. No redirects, one timeout, the target re-checked (SSRF) and
    connected to at the address that was checked, so no second lookup can send the body elsewhere."""
    try:
        target = target_check(endpoint.url, allow_private=settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE)
    except TargetRefused as refusal:
        return None, str(refusal)
    # Standard Webhooks: webhook-id is the delivery's idempotency id, the same on every attempt; the timestamp and
    # so the signature are each attempt's own, so a receiver can refuse a replayed old delivery.
    signed = webhook_headers(endpoint_signing_secrets(endpoint, timezone.now()), str(delivery.delivery_id),
                             int(time.time()), body)  # fmt: skip
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "modelsync-webhooks",
        "X-Modelsync-Event": json.loads(body)["type"],
        **signed,
    }
    status_code, error = pinned_post(target, body, headers, timeout=settings.MODELSYNC_WEBHOOK_TIMEOUT)
    if error:
        return None, error
    if 200 <= status_code < 300:
        return status_code, ""
    return status_code, f"HTTP {status_code}" + (" (redirects are not followed)" if 300 <= status_code < 400 else "")


def _endpoint_failed(endpoint: WebhookEndpoint, error: str) -> None:
    """Count a failed attempt; after MODELSYNC_WEBHOOK_DISABLE_AFTER in a row, disable the endpoint and say why."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    limit = settings.MODELSYNC_WEBHOOK_DISABLE_AFTER
    reason = f"Disabled after {limit} failed deliveries in a row; the last: {error}"[:500]
    if WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True, consecutive_failures__gte=limit).update(
        enabled=False, disabled_reason=reason
    ):
        logger.warning("webhook endpoint=%s disabled: %s", endpoint.pk, reason)
