"""Webhooks through real Celery workers on Redis and PostgreSQL: a sync's events reach a loopback receiver once,
signed per Standard Webhooks (the `standardwebhooks` verifier accepts them, with either secret during a rotation),
and a worker killed mid-delivery leaves it to be sent again under the same idempotency id."""

from decimal import Decimal

import pytest
from standardwebhooks import Webhook

from modelsync.changes.outbox import webhook_secret_rotate
from modelsync.changes.signing import endpoint_secret_reset
from modelsync.models import Event, SyncRun, WebhookDelivery, WebhookEndpoint
from modelsync.sync.pipeline import source_sync
from modelsync.tasks import webhooks_drain_task
from tests.modelsync.changes.receiver import Receiver
from tests.modelsync.changes.test_change_feed import REPRICED, repriced_and_one_gone
from tests.modelsync.payloads import load
from tests.modelsync.procs import wait_until

pytestmark = pytest.mark.timeout(180)
WORKER_ENV = {"MODELSYNC_WEBHOOK_ALLOW_PRIVATE": "1", "MODELSYNC_WEBHOOK_TIMEOUT": "2",
              "MODELSYNC_WEBHOOK_RETRY_BASE_SECONDS": "0.2"}  # fmt: skip


def sync(source) -> SyncRun:
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status == "succeeded", run.error_message
    return run


@pytest.fixture
def hooked(procs, catalog_file, file_source, settings):
    """The capture synced, a receiver, and an endpoint created after (so it hears only what comes next)."""
    settings.MODELSYNC_MISS_THRESHOLD = 1
    original = load("openrouter/models.json")
    catalog_file.write(original)
    sync(file_source)
    receiver = Receiver()
    endpoint = WebhookEndpoint(name="team", url=receiver.url, last_event_id=Event.objects.latest("id").pk)
    secret = endpoint_secret_reset(endpoint)
    endpoint.save()
    procs.env = {**procs.env, **WORKER_ENV}
    yield {"procs": procs, "receiver": receiver, "secret": secret, "original": original, "source": file_source,
           "file": catalog_file}  # fmt: skip
    receiver.close()


def test_a_syncs_four_events_are_delivered_once_each_and_signed(hooked):
    receiver, old = hooked["receiver"], hooked["secret"]
    _, new = webhook_secret_rotate(WebhookEndpoint.objects.get().pk)  # both sign until the rotation ends
    worker = hooked["procs"].worker()
    gone = hooked["original"]["data"][10]["id"]
    hooked["file"].write(repriced_and_one_gone(hooked["original"], gone))
    run = sync(hooked["source"])  # its commit queues the drain; the worker does the rest
    received = receiver.wait_for(4, timeout=60)
    bodies = []
    for one in received:  # each secret verifies on its own; verify() raises otherwise
        bodies.append(Webhook(new).verify(one.body, one.headers))
        assert Webhook(old).verify(one.body, one.headers) == bodies[-1]
        assert one.headers["webhook-id"] == bodies[-1]["delivery"]
    assert sorted((body["type"], body["event"]["data"]["model"], body["event"]["run"]) for body in bodies) == sorted(
        [("model.price_changed", name, run.pk) for name in REPRICED] + [("model.deactivated", gone, run.pk)]
    )
    wait_until(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 4, timeout=20,
               what="four succeeded deliveries", logs=[worker])  # fmt: skip
    webhooks_drain_task.delay()  # a second drain sends nothing again
    wait_until(lambda: "webhooks_drain_task" in worker.log() and worker.log().count("succeeded in") >= 6,
               timeout=20, what="the second drain", logs=[worker])  # fmt: skip
    assert len(receiver.received) == 4
    assert list(WebhookDelivery.objects.values_list("attempts", flat=True)) == [1, 1, 1, 1]


def test_a_worker_killed_mid_delivery_leaves_it_to_be_sent_again_with_the_same_id(hooked):
    receiver, procs = hooked["receiver"], hooked["procs"]
    receiver.script = [(200, 60)]  # the first POST hangs past the kill
    first_worker = procs.worker()
    payload = hooked["original"]
    item = next(item for item in payload["data"] if item["id"] == REPRICED[0])
    item["pricing"]["prompt"] = str(Decimal(item["pricing"]["prompt"]) * 3)
    hooked["file"].write(payload)
    sync(hooked["source"])
    (hanging,) = receiver.wait_for(1, timeout=60)
    first_worker.kill()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 0  # the attempt never finished

    second_worker = procs.worker()
    # The periodic drain's job: once the killed worker's lease has run out, the delivery is queued again.
    wait_until(lambda: WebhookDelivery.objects.filter(leased_until__lt=_now()).exists(), timeout=30,
               what="the lease to expire")  # fmt: skip
    webhooks_drain_task.delay()
    again = receiver.wait_for(2, timeout=60)[1]
    assert again.headers["webhook-id"] == hanging.headers["webhook-id"] == str(delivery.delivery_id)
    assert again.body == hanging.body
    assert Webhook(hooked["secret"]).verify(again.body, again.headers)["delivery"] == str(delivery.delivery_id)
    wait_until(lambda: WebhookDelivery.objects.filter(status="succeeded", attempts=1).exists(), timeout=20,
               what="the delivery to succeed", logs=[second_worker])  # fmt: skip


def _now():
    from django.utils import timezone

    return timezone.now()
