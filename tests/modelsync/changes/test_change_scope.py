"""Feed scope: /api/v1/changes/, the Atom feed and webhooks carry events of callable models (and of no model) unless
asked for descriptive records' too; Atom summaries are words, read back with the stdlib XML parser.

The callable source is a static file of the real OpenRouter capture (tests/modelsync/payloads/openrouter/models.json);
the descriptive one is a cost map of 150 chat records of the real LiteLLM cost map capture
(tests/modelsync/payloads/costmap/model_prices_and_context_window_backup.json), repriced by doubling real prices.
"""

import copy
import json
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from catalog.models import LLMModel
from modelsync.changes.outbox import delivery_attempt, outbox_drain
from modelsync.changes.payloads import event_summary
from modelsync.changes.signing import endpoint_secret_reset
from modelsync.models import Event, Source, SyncRun, WebhookDelivery, WebhookEndpoint
from modelsync.sync.pipeline import source_sync
from tests.modelsync.changes.receiver import Receiver
from tests.modelsync.changes.test_change_feed import REPRICED, repriced_and_one_gone
from tests.modelsync.payloads import PAYLOADS, load

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
COST_MAP_RECORDS = 150  # more than the feed's 100 entries: with no scope, the cost map's events would fill it


def cost_map_sample() -> dict:
    capture = json.loads((PAYLOADS / "costmap" / "model_prices_and_context_window_backup.json").read_text())
    chat = [name for name, spec in capture.items() if spec.get("mode") == "chat" and spec.get("input_cost_per_token")]
    return {name: capture[name] for name in chat[:COST_MAP_RECORDS]}


def sync(source: Source) -> SyncRun:
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status in ("succeeded", "partial"), (run.error_kind, run.error_message)
    return run


@pytest.fixture
def two_sources(catalog_file, file_source, tmp_path, settings):
    """The callable source synced, then the cost map (so its 150 `model.created` are the newest events)."""
    settings.MODELSYNC_MISS_THRESHOLD = 1
    catalog_file.write(load("openrouter/models.json"))
    sync(file_source)
    cost_map_file = tmp_path / "costmap.json"
    cost_map_file.write_text(json.dumps(cost_map_sample()))
    costmap = Source.objects.create(name="costmap", kind=Source.Kind.COSTMAP, base_url=str(cost_map_file),
                                    is_callable=False)  # fmt: skip
    assert sync(costmap).created == COST_MAP_RECORDS
    return {"callable": file_source, "costmap": costmap, "costmap_file": cost_map_file}


def descriptive_ids() -> set[int]:
    return set(LLMModel.objects.filter(source__is_callable=False).values_list("pk", flat=True))


def test_the_api_lists_callable_models_events_unless_asked_for_descriptive_ones(two_sources, reader):
    newest = reader.get("/api/v1/changes/", {"page_size": 100}).json()["results"]
    assert len(newest) == 100 and not {event["model"] for event in newest} & descriptive_ids()
    assert {event["source"] for event in newest} == {"snapshot"}

    everything = reader.get("/api/v1/changes/", {"page_size": 100, "callable": "false"}).json()["results"]
    assert {event["source"] for event in everything} == {"costmap"}  # the newest hundred are all the cost map's
    assert reader.get("/api/v1/changes/", {"callable": "true", "source": "costmap"}).json()["results"] == []
    polled = reader.get("/api/v1/changes/", {"after": 0, "page_size": 200, "callable": "0", "source": "costmap"})
    assert len(polled.json()["results"]) == COST_MAP_RECORDS


def test_events_about_no_model_stay_in_the_default_scope(two_sources, reader, tmp_path):
    broken = Source.objects.create(name="broken", kind=Source.Kind.COSTMAP, base_url=str(tmp_path / "missing.json"),
                                   is_callable=False)  # fmt: skip
    for _ in range(3):
        source_sync(source=broken, trigger=SyncRun.Trigger.CLI)
    failing = reader.get("/api/v1/changes/", {"type": "source.failing"}).json()["results"]
    assert [(event["source"], event["model"]) for event in failing] == [("broken", None)]


@pytest.mark.parametrize("value", ["maybe", "2", ""])
def test_a_bad_callable_value_is_a_400_that_names_it(two_sources, reader, token_client, value):
    for path in ("/api/v1/changes/", "/feeds/changes.atom"):
        client = reader if path.startswith("/api") else token_client
        response = client.get(path, {"callable": value})
        assert response.status_code == 400 and "callable" in response.json()["error"]["fields"], response.content


def atom_entries(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    return [
        {"title": entry.findtext(f"{ATOM}title"), "summary": entry.findtext(f"{ATOM}summary"),
         "summary_type": entry.find(f"{ATOM}summary").get("type"), "id": entry.findtext(f"{ATOM}id"),
         "link": entry.find(f"{ATOM}link").get("href")}
        for entry in feed.findall(f"{ATOM}entry")
    ]  # fmt: skip


def test_the_atom_feed_has_the_same_scope(two_sources, token_client):
    costmap_names = set(cost_map_sample())
    default = atom_entries(token_client.get("/feeds/changes.atom"))
    assert len(default) == 100 and not any(entry["title"].split(": ", 1)[1] in costmap_names for entry in default)
    everything = atom_entries(token_client.get("/feeds/changes.atom", {"callable": "false"}))
    assert all(entry["title"].split(": ", 1)[1] in costmap_names for entry in everything)
    linked = token_client.get(everything[0]["link"]).json()["results"]  # an entry's link is that event, in any scope
    assert [f"urn:modelsync:event:{event['id']}" for event in linked] == [everything[0]["id"]]


def test_atom_summaries_are_sentences_not_json(two_sources, token_client, catalog_file):
    capture = load("openrouter/models.json")
    gone = capture["data"][10]["id"]
    catalog_file.write(repriced_and_one_gone(capture, gone))
    sync(two_sources["callable"])
    entries = {entry["title"]: entry for entry in atom_entries(token_client.get("/feeds/changes.atom"))}
    repriced = entries["model.price_changed: tencent/hy-mt2-1.8b"]
    assert repriced["summary"] == "tencent/hy-mt2-1.8b: input $0.044 → $0.088 per Mtok"
    assert entries[f"model.deactivated: {gone}"]["summary"] == f"{gone}: no longer offered by snapshot"
    created = next(entry for title, entry in entries.items() if title.startswith("model.created: "))
    assert created["summary"].endswith(": new from snapshot")
    assert all(entry["summary_type"] == "text" and "{" not in entry["summary"] for entry in entries.values())


@pytest.mark.parametrize(
    ("event_type", "data", "source", "summary"),
    [
        ("model.price_changed", {"model": "gpt-4o", "changes": {"input_cost_per_mtok": ["2.5", "3"]}}, "gateway",
         "gpt-4o: input $2.5 → $3 per Mtok"),
        ("model.price_changed", {"model": "m", "changes": {"output_cost_per_mtok": [None, "10"]}}, "",
         "m: output none → $10 per Mtok"),
        ("model.created", {"model": "m", "changes": {}}, "", "m: new in the catalog"),
        ("model.reactivated", {"model": "m", "changes": {}}, "gateway", "m: offered again by gateway"),
        ("model.deactivated", {"model": "m", "changes": {}}, "", "m: no longer offered"),
        ("model.updated", {"model": "m", "changes": {"capabilities": [["vision"], ["vision", "function_calling"]],
                                                     "supports_streaming": [False, True]}}, "",
         "m: capabilities vision → vision, function calling; supports streaming no → yes"),
        ("model.expiring", {"model": "m", "changes": {"expires_at": [None, "2099-06-30T00:00:00+00:00"]}}, "",
         "m: expires at none → 2099-06-30"),
        ("model.updated", {"model": "m", "changes": {}}, "", "m: updated"),
        ("model.curated", {"model": "m", "changes": {"staff_display_name": "Muse", "is_hidden": True},
                           "by": "curator"}, "s", "m: display name set to Muse; is hidden set to yes; by curator"),
        ("source.failing", {"source": "broken", "consecutive_failures": 3, "error_kind": "payload_error",
                            "error_message": "not JSON"}, "broken",
         "broken failed 3 runs in a row: payload_error: not JSON"),
    ],
)  # fmt: skip
def test_each_kind_of_event_reads_as_a_sentence(event_type, data, source, summary):
    assert event_summary(event_type, data, source) == summary


def test_a_summary_with_markup_in_a_model_name_stays_text(token_client):
    Event.objects.create(type="model.updated", data={"model": "<img src=x onerror=alert(1)>",
                                                     "changes": {"context_window": [8192, 131072]}})  # fmt: skip
    (entry,) = atom_entries(token_client.get("/feeds/changes.atom"))
    assert entry["summary"] == "<img src=x onerror=alert(1)>: context window 8,192 → 131,072"
    assert entry["summary_type"] == "text"  # a reader shows it as text, never as HTML


# --- Webhooks: a per-endpoint setting ----------------------------------------------------------------------------


@pytest.fixture
def receivers(settings):
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True  # the receivers are on loopback
    pair = (Receiver(), Receiver())
    yield pair
    for receiver in pair:
        receiver.close()


def endpoint_for(receiver: Receiver, **fields) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(name=receiver.url, url=receiver.url, **fields)
    endpoint_secret_reset(endpoint)
    endpoint.last_event_id = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    endpoint.save()
    return endpoint


def test_webhooks_carry_callable_models_events_unless_the_endpoint_asks_for_all(two_sources, receivers,
                                                                               catalog_file):  # fmt: skip
    narrow, wide = receivers
    endpoint_for(narrow)  # the default
    endpoint_for(wide, callable_only=False)
    capture = load("openrouter/models.json")
    gone = capture["data"][10]["id"]
    catalog_file.write(repriced_and_one_gone(capture, gone))
    sync(two_sources["callable"])  # three repriced, one gone
    sample = cost_map_sample()
    repriced_records = list(sample)[:2]
    for name in repriced_records:
        sample[name] = copy.deepcopy(sample[name])
        sample[name]["input_cost_per_token"] = float(Decimal(str(sample[name]["input_cost_per_token"])) * 2)
    two_sources["costmap_file"].write_text(json.dumps(sample))
    assert sync(two_sources["costmap"]).updated == 2

    while ids := outbox_drain():
        for pk in ids:
            delivery_attempt(pk)
    narrow_heard, wide_heard = (
        sorted(json.loads(received.body)["event"]["data"]["model"] for received in receiver.received)
        for receiver in (narrow, wide)
    )
    callable_heard = sorted([*REPRICED, gone])
    assert narrow_heard == callable_heard
    assert wide_heard == sorted(callable_heard + repriced_records)
    assert WebhookDelivery.objects.filter(status="succeeded").count() == len(callable_heard) * 2 + 2


def test_staff_choose_the_scope_in_the_admin_form(admin_client, settings):
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True
    add = reverse("admin:modelsync_webhookendpoint_add")
    assert admin_client.get(add).context["adminform"].form["callable_only"].value() is True  # ticked by default
    admin_client.post(add, {"name": "all", "url": "http://127.0.0.1:9/hook", "enabled": "on"})
    admin_client.post(add, {"name": "callable", "url": "http://127.0.0.1:9/hook", "enabled": "on",
                            "callable_only": "on"})  # fmt: skip
    assert dict(WebhookEndpoint.objects.values_list("name", "callable_only")) == {"all": False, "callable": True}
