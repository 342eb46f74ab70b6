"""A canary key echoed back by the upstream reaches no table, log line, run record, command output or page."""

import io
import json
import logging

import pytest
from django.core.management import call_command

from modelsync import tasks
from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.modelsync.fake_upstream import fake_upstream
from tests.modelsync.payloads import litellm_payloads, load

pytestmark = pytest.mark.django_db
CANARY = "sk-canary-5d1e0c7b9a"
PATHS = {"model_info": "/model/info", "v1_models": "/v1/models", "model_group_info": "/model_group/info"}


def _poisoned() -> dict:
    """The real secrets_probe captures with the canary planted where LiteLLM leaks secrets."""
    payloads = litellm_payloads("secrets_probe/")
    for row in payloads["model_info"]["data"]:
        params = row["litellm_params"]
        params["api_key"] = CANARY
        params["api_base"] = f"https://user:{CANARY}@proxy.example.com/v1?api-key={CANARY}"
        params["extra_headers"] = {"Authorization": f"Bearer {CANARY}", "X-Api-Key": CANARY}
        params["organization"] = CANARY
        row["model_info"]["access_token"] = CANARY
        row["model_info"]["description"] = f"token {CANARY}"
    for group in payloads["model_group_info"]["data"]:
        group["description"] = f"see {CANARY}"
    return payloads


@pytest.fixture
def leaky_proxy(monkeypatch):
    monkeypatch.setenv("LITELLM_API_KEY", CANARY)
    with fake_upstream() as upstream:
        for name, body in _poisoned().items():
            upstream.json(PATHS[name], json.dumps(body).encode())
        yield upstream


def _everything_said(caplog, admin_client, run: SyncRun, command_output: str) -> str:
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    pages = [
        admin_client.get(f"/admin/modelsync/syncrun/{run.pk}/change/").content.decode(),
        admin_client.get("/admin/catalog/llmmodel/").content.decode(),
        admin_client.get("/api/v1/models/?page_size=200").content.decode(),
        admin_client.get(f"/api/v1/sync-runs/{run.pk}/").content.decode(),
    ]
    return "\n".join([dump.getvalue(), caplog.text, command_output, *pages])


def test_the_key_is_sent_only_in_the_authorization_header(leaky_proxy):
    source = Source.objects.create(
        name="litellm", kind="litellm", base_url=leaky_proxy.url, api_key_env="LITELLM_API_KEY"
    )
    run = source_sync(source=source, trigger="cli")
    assert run.status == "succeeded", run.error_message
    assert all(headers.get("Authorization") == f"Bearer {CANARY}" for headers in leaky_proxy.headers)
    assert all(CANARY not in value for h in leaky_proxy.headers for k, value in h.items() if k != "Authorization")


def test_the_canary_appears_nowhere(leaky_proxy, caplog, admin_client):
    caplog.set_level(logging.DEBUG)
    source = Source.objects.create(
        name="litellm", kind="litellm", base_url=leaky_proxy.url, api_key_env="LITELLM_API_KEY"
    )
    out = io.StringIO()
    call_command("sync_models", "--json", stdout=out)
    run = SyncRun.objects.get(source=source)
    assert run.status == "succeeded" and run.created == 6
    # An error body that echoes the key: the run records a plain message without it.
    leaky_proxy.json("/v1/models", json.dumps({"error": {"message": f"bad key {CANARY}"}}).encode(), status=400)
    failed = source_sync(source=source, trigger="cli")
    assert failed.status == "failed" and failed.error_kind == "http_400"
    said = _everything_said(caplog, admin_client, failed, out.getvalue())
    where = said.find(CANARY)
    assert where == -1, said[max(0, where - 300) : where + 50]
    assert CANARY not in _everything_said(caplog, admin_client, run, out.getvalue())


def test_task_arguments_carry_ids_only(leaky_proxy, settings, django_capture_on_commit_callbacks, monkeypatch):
    from modelsync.sync import runs

    sent = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda *args, **kwargs: sent.append((args, kwargs)))
    source = Source.objects.create(
        name="litellm", kind="litellm", base_url=leaky_proxy.url, api_key_env="LITELLM_API_KEY"
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.sync_request(source=source, trigger="api")
    assert sent == [((run.pk,), {})]


@pytest.mark.parametrize(
    ("status", "error_kind"), [(200, "error_in_body"), (400, "http_400"), (500, "http_500"), (401, "unauthorized")]
)
def test_an_error_body_echoing_the_key_leaves_no_trace(leaky_proxy, caplog, settings, status, error_kind):
    settings.MODELSYNC_HTTP_RETRIES = 0
    caplog.set_level(logging.DEBUG)
    source = Source.objects.create(
        name="litellm", kind="litellm", base_url=leaky_proxy.url, api_key_env="LITELLM_API_KEY"
    )
    body = load("litellm/unauthorized_models__no_key.json")  # the real error shape, with the key planted in it
    body["error"]["message"] = f"Authentication Error, invalid key {CANARY} (Bearer {CANARY})"
    leaky_proxy.json("/model/info", json.dumps(body).encode(), status=status)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("sync_models", "--json", stdout=out)
    run = SyncRun.objects.get(source=source)
    assert (run.status, run.error_kind) == ("failed", error_kind)
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for text in (dump.getvalue(), caplog.text, out.getvalue(), repr(list(SyncRun.objects.values()))):
        assert CANARY not in text
