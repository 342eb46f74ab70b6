"""Private feed URLs (issue #27): `?token=` lets a feed reader in as its user, on the feeds only and for that request
only; a bad or revoked token is the API's 401 JSON; MODELSYNC_PUBLIC_READ=1 opens the feeds as it opens the API; the
token is never in a log line (Django's console handler, caplog), the metrics, admin pages or dumpdata."""

import io
import logging
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import FeedToken
from catalog.tokens import feed_token_issue
from modelsync.models import Event
from tests.catalog.api.test_api_stale import database_down

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def token(django_user_model) -> str:
    Event.objects.create(type="model.price_changed", data={"model": "openai/gpt-4o", "changes": {}})
    user = django_user_model.objects.create_user("feedreader", password="reader-pw-123")
    return feed_token_issue(feed_token=FeedToken(user=user, name="reader"))


def _entries(response) -> list:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content).findall(f"{ATOM}entry")


def test_a_valid_token_reads_the_feed_and_no_session_is_made(api_client, token):
    response = api_client.get("/feeds/changes.atom", {"token": token, "type": "model.price_changed"})
    assert [e.find(f"{ATOM}title").text for e in _entries(response)] == ["model.price_changed: openai/gpt-4o"]
    assert "sessionid" not in response.cookies
    assert api_client.get("/feeds/changes.atom").status_code == 401  # the next request is anonymous again


@pytest.mark.parametrize("bad", ["", "nope", "msf_" + "A" * 43])
def test_a_wrong_token_is_the_apis_401_json(api_client, token, bad):
    response = api_client.get("/feeds/changes.atom", {"token": bad})
    assert response.status_code == 401 and response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == "Token"
    assert "Invalid or revoked feed token" in response.content.decode()


def test_a_revoked_token_is_refused_at_once(api_client, token):
    assert api_client.get("/feeds/changes.atom", {"token": token}).status_code == 200
    FeedToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert api_client.get("/feeds/changes.atom", {"token": token}).status_code == 401
    FeedToken.objects.all().delete()  # deleting is revoking too
    assert api_client.get("/feeds/changes.atom", {"token": token}).status_code == 401


def test_the_token_opens_the_feeds_only_not_the_api(api_client, token):
    assert api_client.get("/api/v1/changes/", {"token": token}).status_code == 401
    assert api_client.get("/api/v1/models/", {"token": token}).status_code == 401


def test_public_read_opens_the_feed_without_a_token_and_a_bad_one_is_still_refused(api_client, token, settings):
    settings.MODELSYNC_PUBLIC_READ = True
    assert len(_entries(api_client.get("/feeds/changes.atom"))) == 1
    assert len(_entries(api_client.get("/feeds/changes.atom", {"token": token}))) == 1
    assert api_client.get("/feeds/changes.atom", {"token": "nope"}).status_code == 401


def _console_handler() -> logging.StreamHandler:
    return next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)


def test_the_token_is_in_no_log_line_and_no_metric(client, token, caplog):
    """The real LOGGING: its console handler's output, and caplog's (which runs after the handler's filter)."""
    caplog.set_level(logging.DEBUG)
    handler, written = _console_handler(), io.StringIO()
    old_stream = handler.setStream(written)
    try:
        assert client.get("/feeds/changes.atom", {"token": token}).status_code == 200
        assert client.get("/feeds/changes.atom", {"token": token + "x"}).status_code == 401  # logged by Django
        assert client.get("/no/such/page", {"token": token}).status_code == 404  # logged with its request
        logging.getLogger("django.server").info('"GET /feeds/changes.atom?token=%s HTTP/1.1" 200 512', token)
        logging.getLogger("modelsync").warning("pasted %s", token, extra={"url": f"/feeds/x?a=1&token={token}"})
    finally:
        handler.setStream(old_stream)
    logged = written.getvalue()
    assert "Unauthorized: /feeds/changes.atom" in logged and "token=[redacted]" in logged
    assert token not in logged and token not in caplog.text
    assert all(token not in str(vars(record)) for record in caplog.records)

    metrics = client.get("/metrics").content.decode()
    assert 'endpoint="/feeds/changes.atom"' in metrics and token not in metrics


def test_staff_issue_a_token_shown_once_and_revoke_it(admin_client, api_client, django_user_model):
    reader = django_user_model.objects.create_user("calendar-user")
    added = admin_client.post(reverse("admin:catalog_feedtoken_add"), {"user": reader.pk, "name": "Outlook"})
    token = added.context["token"]
    page = added.content.decode()
    assert f"http://testserver/feeds/changes.atom?token={token}" in page
    assert f"http://testserver/feeds/retirements.ics?token={token}" in page
    assert "no-store" in added["Cache-Control"]
    row = FeedToken.objects.get()
    assert row.user == reader and api_client.get("/feeds/changes.atom", {"token": token}).status_code == 200

    admin_client.post(reverse("admin:catalog_feedtoken_changelist"),
                      {"action": "revoke", "_selected_action": [row.pk]})  # fmt: skip
    assert api_client.get("/feeds/changes.atom", {"token": token}).status_code == 401
    pages = [admin_client.get(reverse("admin:catalog_feedtoken_change", args=[row.pk])),
             admin_client.get(reverse("admin:catalog_feedtoken_changelist")),
             admin_client.get(reverse("admin:index"))]  # fmt: skip
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    texts = [p.content.decode() for p in pages] + [dump.getvalue()]
    assert all(token not in text for text in texts)
    assert row.prefix in texts[1] and "Outlook" in texts[1]  # the list tells tokens apart without showing them


def test_in_a_database_outage_the_calendar_and_a_feed_token_get_the_apis_503(api_client, token, token_client):
    """A feed token is checked in the database (not remembered as an API token is): an outage is a 503, not a 500."""
    assert token_client.get("/feeds/retirements.ics").status_code == 200
    with database_down():
        answers = [token_client.get("/feeds/retirements.ics"),
                   api_client.get("/feeds/changes.atom", {"token": token}),
                   api_client.get("/feeds/retirements.ics", {"token": token})]  # fmt: skip
    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(503, "database_unavailable")] * 3
