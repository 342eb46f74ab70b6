"""The change feed: what a sync, a staff override and a failing source write, and how consumers read it.

Payloads are variants of the real OpenRouter capture (tests/modelsync/payloads/openrouter/models.json).
"""

import copy
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import LLMModel
from catalog.services import llm_model_curate, llm_models_override
from modelsync.changes.events import change_event_types
from modelsync.models import Event, ModelChange, Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.modelsync.payloads import load

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
REPRICED = ("meta/muse-spark-1.2-contributor", "deepseek/deepseek-v4-flash-vision-exp", "tencent/hy-mt2-1.8b")


def sync(source) -> SyncRun:
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status in ("succeeded", "partial"), (run.error_kind, run.error_message)
    return run


def repriced_and_one_gone(payload: dict, gone: str) -> dict:
    """The capture with the three REPRICED models' prompt price doubled and `gone` no longer listed."""
    changed = copy.deepcopy(payload)
    changed["data"] = [item for item in changed["data"] if item["id"] != gone]
    for item in changed["data"]:
        if item["id"] in REPRICED:
            item["pricing"]["prompt"] = str(Decimal(item["pricing"]["prompt"]) * 2)
    return changed


@pytest.fixture
def moved_catalog(catalog_file, file_source, settings):
    """First sync of the capture, then one that reprices three models and loses one (deactivated at once)."""
    settings.MODELSYNC_MISS_THRESHOLD = 1
    original = load("openrouter/models.json")
    catalog_file.write(original)
    first = sync(file_source)
    gone = original["data"][10]["id"]
    catalog_file.write(repriced_and_one_gone(original, gone))
    second = sync(file_source)
    return {"source": file_source, "first": first, "second": second, "gone": gone}


def test_three_price_changes_and_one_deactivation_are_exactly_four_events(moved_catalog, catalog_file):
    second, source = moved_catalog["second"], moved_catalog["source"]
    events = list(Event.objects.filter(run=second).order_by("id"))
    assert sorted((event.type, event.data["model"]) for event in events) == sorted(
        [("model.price_changed", name) for name in REPRICED] + [("model.deactivated", moved_catalog["gone"])]
    )
    repriced = next(event for event in events if event.data["model"] == "tencent/hy-mt2-1.8b")
    assert repriced.data["changes"]["input_cost_per_mtok"] == ["0.044", "0.088"]
    assert repriced.source_id == source.pk and repriced.llm_model.model == "tencent/hy-mt2-1.8b"

    before = Event.objects.count()
    assert sync(source).unchanged > 0 and Event.objects.count() == before  # no change, no event


def test_a_first_sync_is_one_created_event_per_model_with_the_run(moved_catalog):
    first = moved_catalog["first"]
    created = Event.objects.filter(run=first)
    assert created.count() == first.created == 421
    assert set(created.values_list("type", flat=True)) == {"model.created"}


def test_the_event_statement_is_one_insert_whatever_the_number_of_events(catalog_file, file_source):
    catalog_file.write(load("openrouter/models.json"))
    with CaptureQueriesContext(connection) as queries:
        sync(file_source)
    inserts = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith('INSERT INTO "MODELSYNC_EVENT"')]
    assert len(inserts) == 1 and Event.objects.count() == 421


def test_the_api_lists_the_events_newest_first_and_filters_them(moved_catalog, reader):
    second = moved_catalog["second"]
    page = reader.get("/api/v1/changes/", {"page_size": 4}).json()
    assert [event["run"] for event in page["results"]] == [second.pk] * 4
    ids = [event["id"] for event in page["results"]]
    assert ids == sorted(ids, reverse=True) and page["next"]

    prices = reader.get("/api/v1/changes/", {"type": "model.price_changed"}).json()["results"]
    assert sorted(event["data"]["model"] for event in prices) == sorted(REPRICED)
    one = LLMModel.objects.get(model=REPRICED[0])
    mine = reader.get("/api/v1/changes/", {"model": one.pk}).json()["results"]
    assert [event["type"] for event in mine] == ["model.price_changed", "model.created"]
    assert reader.get("/api/v1/changes/", {"source": "nope"}).json()["results"] == []
    since = reader.get("/api/v1/changes/", {"since": second.started_at.isoformat(), "page_size": 10}).json()
    assert len(since["results"]) == 4 and since["next"] is None


BAD_QUERIES = [{"type": "model.exploded"}, {"since": "yesterday"}, {"model": "x"}, {"model": "1.5"}, {"after": "-1"},
               {"after": "0.5"}, {"page_size": "0"}]  # fmt: skip


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_a_bad_filter_is_a_400_that_names_it(moved_catalog, reader, query):
    response = reader.get("/api/v1/changes/", query)
    assert response.status_code == 400 and set(query) <= set(response.json()["error"]["fields"]), response.json()


def test_reading_the_feed_needs_the_catalogs_read_permission(moved_catalog, api_client, settings):
    assert api_client.get("/api/v1/changes/").status_code == 401
    assert api_client.get("/feeds/changes.atom").status_code == 401
    settings.MODELSYNC_PUBLIC_READ = True
    assert api_client.get("/api/v1/changes/").status_code == 200


def test_the_atom_feed_has_the_same_events_and_filters(moved_catalog, token_client, client, django_user_model):
    response = token_client.get("/feeds/changes.atom", {"run": "ignored", "type": "model.deactivated"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [f"model.deactivated: {moved_catalog['gone']}"]
    event = Event.objects.get(type="model.deactivated")
    assert entries[0].findtext(f"{ATOM}id") == f"urn:modelsync:event:{event.pk}"

    client.force_login(django_user_model.objects.create_user("browser"))  # a feed reader with a session
    everything = ElementTree.fromstring(client.get("/feeds/changes.atom").content).findall(f"{ATOM}entry")
    assert len(everything) == 100  # the newest hundred of 425
    assert token_client.get("/feeds/changes.atom", {"type": "nope"}).status_code == 400


def test_price_history_walks_back_from_the_current_price(moved_catalog, reader, catalog_file, settings):
    model = LLMModel.objects.get(model="tencent/hy-mt2-1.8b")
    body = reader.get(f"/api/v1/models/{model.pk}/prices/").json()
    second, first = body["prices"]
    assert body["model"] == "tencent/hy-mt2-1.8b"
    assert (second["input_cost_per_mtok"], second["output_cost_per_mtok"], second["run"]) == (
        "0.088", "0.177", moved_catalog["second"].pk)  # fmt: skip
    assert (first["input_cost_per_mtok"], first["output_cost_per_mtok"], first["run"]) == (
        "0.044", "0.177", moved_catalog["first"].pk)  # fmt: skip
    unchanged = LLMModel.objects.exclude(model__in=REPRICED).filter(input_cost_per_mtok__gt=0).first()
    prices = reader.get(f"/api/v1/models/{unchanged.pk}/prices/").json()["prices"]
    assert [(p["input_cost_per_mtok"], p["run"]) for p in prices] == [
        (format(unchanged.input_cost_per_mtok.normalize(), "f"), moved_catalog["first"].pk)
    ]
    assert reader.get("/api/v1/models/999999/prices/").status_code == 404


def test_staff_overrides_are_curated_events_with_who(moved_catalog, django_user_model):
    admin = django_user_model.objects.create_user("curator", is_staff=True)
    model = LLMModel.objects.get(model=REPRICED[0])
    model.staff_display_name = "Muse"
    llm_model_curate(llm_model=model, changed_fields=["staff_display_name"], actor=admin)
    llm_models_override(queryset=LLMModel.objects.filter(model__in=REPRICED[1:]), actor=admin, is_hidden=True)
    curated = Event.objects.filter(type="model.curated").order_by("id")
    assert [(event.data["model"], event.data["changes"], event.actor_id, event.data["by"]) for event in curated] == [
        (REPRICED[0], {"staff_display_name": "Muse"}, admin.pk, "curator"),
        *sorted((name, {"is_hidden": True}, admin.pk, "curator") for name in REPRICED[1:]),
    ]
    assert llm_models_override(queryset=LLMModel.objects.none(), is_hidden=True) == 0
    assert Event.objects.filter(type="model.curated").count() == 3


def test_a_source_failing_n_times_in_a_row_is_one_event_per_streak(settings, tmp_path):
    settings.MODELSYNC_UNHEALTHY_AFTER_FAILURES = 3
    source = Source.objects.create(name="broken", kind=Source.Kind.STATIC, base_url=str(tmp_path / "missing.json"))
    for _ in range(5):
        assert source_sync(source=source, trigger="cli").status == "failed"
    failing = Event.objects.get(type="source.failing")
    assert failing.source_id == source.pk and failing.data["consecutive_failures"] == 3
    assert failing.data["source"] == "broken" and failing.data["error_kind"]


@pytest.mark.parametrize(
    ("kind", "changes", "types"),
    [
        ("created", {}, ["model.created"]),
        ("deactivated", {}, ["model.deactivated"]),
        ("reactivated", {}, ["model.reactivated"]),
        ("updated", {"display_name": ["a", "b"]}, ["model.updated"]),
        ("updated", {"output_cost_per_mtok": ["1", "2"], "display_name": ["a", "b"]}, ["model.price_changed"]),
        ("updated", {"expires_at": [None, "2098-12-31T00:00:00+00:00"]}, ["model.updated", "model.expiring"]),
        ("updated", {"expires_at": ["2098-12-31T00:00:00+00:00", None]}, ["model.updated"]),
    ],
)
def test_which_events_a_change_is(kind, changes, types):
    assert change_event_types(kind, changes) == types


def test_an_expiration_date_that_appears_upstream_is_an_expiring_event(catalog_file, file_source):
    payload = load("openrouter/models.json")
    catalog_file.write(payload)
    sync(file_source)
    dated = copy.deepcopy(payload)
    dated["data"][0]["expiration_date"] = "2099-06-30"
    catalog_file.write(dated)
    run = sync(file_source)
    assert sorted(Event.objects.filter(run=run).values_list("type", flat=True)) == ["model.expiring", "model.updated"]
    assert ModelChange.objects.filter(run=run).count() == 1
