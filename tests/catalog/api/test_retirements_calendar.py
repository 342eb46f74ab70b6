"""GET /feeds/retirements.ics (issue #27): every retirement in force as an all-day event, `?source=`, and the feeds'
access rules (session, API token, private feed URL token, MODELSYNC_PUBLIC_READ), read by icalendar and by ics.

The catalog is the real OpenRouter capture (tests/modelsync/payloads/openrouter/models.json, copied from
../shared/fixtures/), 13 of whose models carry `expiration_date`, synced through a static source reading it; the
selection successors come from the real LiteLLM capture with a deprecation date (tests.catalog.test_retirements).
"""

import datetime as dt

import icalendar
import ics
import pytest
from django.utils import timezone

from catalog.calendar import days_left_text
from catalog.models import FeedToken, LLMModel
from catalog.tokens import feed_token_issue
from modelsync.sync.pipeline import source_sync
from tests.catalog.test_retirements import synced  # noqa: F401
from tests.modelsync.conftest import catalog_file, file_source  # noqa: F401
from tests.modelsync.payloads import load

pytestmark = pytest.mark.django_db
ICS = "/feeds/retirements.ics"


@pytest.fixture
def dated(catalog_file, file_source):  # noqa: F811
    """The capture synced; z-ai/glm-4.5 (retiring 2026-12-31) given a successor by staff."""
    catalog_file.write(load("openrouter/models.json"))
    assert source_sync(source=file_source, trigger="cli").status == "succeeded"
    glm = LLMModel.objects.get(model="z-ai/glm-4.5")
    glm.staff_successor = LLMModel.objects.get(model="z-ai/glm-5-turbo")
    glm.save()
    return {m.model: m for m in LLMModel.objects.filter(expires_at__isnull=False)}


@pytest.fixture
def feed_token(django_user_model) -> str:
    user = django_user_model.objects.create_user("calendar")
    return feed_token_issue(feed_token=FeedToken(user=user))


def _events(response) -> list:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_one_all_day_event_per_retiring_model_of_the_capture(api_client, dated, feed_token, token_client):
    events = _events(api_client.get(ICS, {"token": feed_token}))
    assert len(events) == len(dated) == 13
    today = timezone.localdate()
    for event in events:
        model = dated[str(event["summary"]).removesuffix(" retires")]
        day = model.expires_at.date()
        assert event.decoded("dtstart") == day and event.decoded("dtend") == day + dt.timedelta(days=1)
        assert days_left_text(day, today) in str(event["description"])
        assert str(event["url"]) == f"http://testserver/api/v1/models/{model.pk}/"
    glm = next(e for e in events if str(e["summary"]) == "z-ai/glm-4.5 retires")
    assert "Successor: z-ai/glm-5-turbo (snapshot; chosen by staff)\n- set by staff" in str(glm["description"])
    detail = token_client.get(str(glm["url"]).removeprefix("http://testserver"))
    assert detail.status_code == 200 and detail.json()["model"] == "z-ai/glm-4.5"


def test_ics_reads_the_same_calendar(api_client, dated, feed_token):
    body = api_client.get(ICS, {"token": feed_token}).content.decode()
    events = ics.Calendar(body).events
    assert sorted((e.name, e.begin.date()) for e in events) == sorted(
        (f"{name} retires", model.expires_at.date()) for name, model in dated.items()
    )
    assert all(e.all_day for e in events)


def test_source_filters_as_on_the_api(api_client, dated, feed_token):
    assert len(_events(api_client.get(ICS, {"token": feed_token, "source": "snapshot"}))) == 13
    assert _events(api_client.get(ICS, {"token": feed_token, "source": "nope"})) == []
    too_long = api_client.get(ICS, {"token": feed_token, "source": "x" * 65})
    assert too_long.status_code == 400 and "source" in too_long.json()["error"]["fields"]


def test_access_as_the_atom_feed(api_client, dated, feed_token, token_client, settings):
    assert api_client.get(ICS).status_code == 401
    assert api_client.get(ICS, {"token": feed_token + "x"}).status_code == 401
    assert len(_events(token_client.get(ICS))) == 13  # the API token still works for scripts
    FeedToken.objects.update(revoked_at=timezone.now())
    assert api_client.get(ICS, {"token": feed_token}).status_code == 401
    settings.MODELSYNC_PUBLIC_READ = True
    assert len(_events(api_client.get(ICS))) == 13


def test_selections_successor_and_its_reasons_are_in_the_description(synced, token_client):  # noqa: F811
    events = _events(token_client.get(ICS, {"source": "litellm"}))
    o3_mini = str(next(e for e in events if str(e["summary"]) == "o3-mini retires")["description"])
    lines = o3_mini.splitlines()
    successor = next(line for line in lines if line.startswith("Successor: "))
    assert successor.endswith("(litellm; chosen by selection)")
    assert lines[lines.index(successor) + 1 : lines.index(successor) + 3] == [
        "- same provider (openai)",
        "- category chat",
    ]
    assert "Date stated by: linked:costmap." in lines
