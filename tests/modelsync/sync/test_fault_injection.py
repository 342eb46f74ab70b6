"""A bad upstream answer never touches the catalog: each fault leaves a full dump identical and names the problem."""

import gzip
import io
import json
import time

import pytest
from django.core.management import call_command

from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.modelsync.fake_upstream import fake_upstream, send, slow_drip
from tests.modelsync.payloads import load, raw

pytestmark = pytest.mark.django_db
MODELS = "/api/v1/models"
REAL_LIST = raw("openrouter/models_older.json")  # real capture, 345 models


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "catalog", stdout=out)  # every catalog table, rows and version
    return out.getvalue()


@pytest.fixture
def upstream(settings):
    settings.MODELSYNC_HTTP_RETRIES = 1
    settings.MODELSYNC_HTTP_BACKOFF = 0
    settings.MODELSYNC_HTTP_READ_TIMEOUT = 1.0
    settings.MODELSYNC_HTTP_DEADLINE = 5.0
    with fake_upstream() as fake:
        yield fake


@pytest.fixture
def synced(upstream):
    """A source already synced once from the real list, so there is a catalog to lose."""
    source = Source.objects.create(name="openrouter", kind="openrouter", base_url=f"{upstream.url}/api/v1")
    upstream.json(MODELS, REAL_LIST)
    first = source_sync(source=source, trigger="cli")
    assert first.status == SyncRun.Status.SUCCEEDED and first.created == 345
    upstream.hits.clear()
    return source


def _assert_untouched(source, before: str, status: str, error_kind: str) -> SyncRun:
    run = source_sync(source=source, trigger="cli")
    assert (run.status, run.error_kind) == (status, error_kind), run.error_message
    assert run.error_message
    assert dump() == before
    return run


def _bytes(handler, status, body, **headers):
    send(handler, status, body, **headers)


FAULTS = {
    "html_500": (lambda h: _bytes(h, 500, b"<html><body>Bad gateway</body></html>", content_type="text/html"),
                 "failed", "http_500"),
    "unauthorized_401": (lambda h: _bytes(h, 401, raw("litellm/unauthorized_models__no_key.json")),
                         "failed", "unauthorized"),
    "truncated_json": (lambda h: _bytes(h, 200, REAL_LIST[: len(REAL_LIST) // 2]), "failed", "not_json"),
    # Found only when that one model is decoded: every other item is the one the last sync built (build_records).
    "one_model_not_utf8": (lambda h: _bytes(h, 200, REAL_LIST.replace(b'"id":', b'"id":"\xff",  "x":', 1)),
                           "failed", "not_json"),
    "data_is_a_string": (lambda h: _bytes(h, 200, json.dumps({"data": "x"}).encode()), "failed", "wrong_shape"),
    "error_in_200": (lambda h: _bytes(h, 200, raw("litellm/unauthorized_models__no_key.json")),
                     "failed", "error_in_body"),
    "empty_list": (lambda h: _bytes(h, 200, json.dumps({"data": []}).encode()), "refused", "empty"),
    "plain_text_500": (lambda h: _bytes(h, 500, raw("litellm/v1.106.2/unauthorized_v1_models__no_key.txt"),
                                        content_type="text/plain"), "failed", "http_500"),
}  # fmt: skip


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_leaves_the_catalog_identical(upstream, synced, fault):
    responder, status, error_kind = FAULTS[fault]
    before = dump()
    upstream.routes[MODELS] = responder
    _assert_untouched(synced, before, status, error_kind)


def test_401_is_not_retried(upstream, synced):
    upstream.routes[MODELS] = FAULTS["unauthorized_401"][0]
    source_sync(source=synced, trigger="cli")
    assert upstream.hits[MODELS] == 1


def test_500_is_retried_a_bounded_number_of_times(upstream, synced, settings):
    settings.MODELSYNC_HTTP_RETRIES = 2
    upstream.routes[MODELS] = FAULTS["html_500"][0]
    source_sync(source=synced, trigger="cli")
    assert upstream.hits[MODELS] == 3


def test_429_with_a_day_long_retry_after_fails_at_once(upstream, synced):
    before = dump()
    upstream.routes[MODELS] = lambda h: _bytes(h, 429, b'{"error": "slow down"}', Retry_After="86400")
    started = time.monotonic()
    _assert_untouched(synced, before, "failed", "rate_limited")
    assert time.monotonic() - started < 5 and upstream.hits[MODELS] == 1


def test_429_with_a_short_retry_after_is_honoured(upstream, synced):
    calls = []

    def limited_then_ok(handler):
        calls.append(time.monotonic())
        if len(calls) == 1:
            _bytes(handler, 429, b"{}", Retry_After="1")
        else:
            _bytes(handler, 200, REAL_LIST)

    upstream.routes[MODELS] = limited_then_ok
    run = source_sync(source=synced, trigger="cli")
    assert run.status == "succeeded" and run.unchanged == 345
    assert calls[1] - calls[0] >= 0.9


def test_hanging_upstream_times_out(upstream, synced):
    before = dump()
    upstream.routes[MODELS] = lambda h: time.sleep(3)
    _assert_untouched(synced, before, "failed", "timeout")


def test_slow_drip_is_cut_by_the_deadline(upstream, synced, settings):
    settings.MODELSYNC_HTTP_DEADLINE = 1.5

    before = dump()
    upstream.routes[MODELS] = slow_drip(REAL_LIST[:400])  # 20 s of bytes: the deadline is 1.5 s
    started = time.monotonic()
    _assert_untouched(synced, before, "failed", "deadline")
    assert time.monotonic() - started < 4


def _five_mib_of_real_items() -> bytes:
    items, out = load("openrouter/models_older.json")["data"], []
    while len(json.dumps(out)) < 5 * 1024 * 1024:
        out.extend(items)
    return json.dumps({"data": out}).encode()


def test_body_over_the_size_cap_is_refused(upstream, synced, settings):
    settings.MODELSYNC_MAX_RESPONSE_BYTES = 1024 * 1024
    before = dump()
    big = _five_mib_of_real_items()
    assert 5 * 1024 * 1024 <= len(big) < 6 * 1024 * 1024
    upstream.routes[MODELS] = lambda h: _bytes(h, 200, big)
    _assert_untouched(synced, before, "failed", "too_large")


def test_body_over_the_size_cap_without_a_length_is_cut_while_reading(upstream, synced, settings):
    settings.MODELSYNC_MAX_RESPONSE_BYTES = 1024 * 1024
    big = _five_mib_of_real_items()

    def no_length(handler):
        handler.protocol_version = "HTTP/1.0"
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(big)

    before = dump()
    upstream.routes[MODELS] = no_length
    _assert_untouched(synced, before, "failed", "too_large")


def test_gzip_bomb_is_capped_on_decoded_bytes(upstream, synced, settings):
    settings.MODELSYNC_MAX_RESPONSE_BYTES = 1024 * 1024
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < settings.MODELSYNC_MAX_RESPONSE_BYTES
    before = dump()
    upstream.routes[MODELS] = lambda h: _bytes(h, 200, bomb, Content_Encoding="gzip")
    _assert_untouched(synced, before, "failed", "too_large")


def test_redirect_is_not_followed(upstream, synced):
    with fake_upstream() as elsewhere:
        elsewhere.json(MODELS, REAL_LIST)
        before = dump()
        upstream.routes[MODELS] = lambda h: _bytes(h, 302, b"", Location=f"{elsewhere.url}{MODELS}")
        _assert_untouched(synced, before, "failed", "redirect")
        assert sum(elsewhere.hits.values()) == 0


def test_mass_removal_is_refused_with_its_plan(upstream, synced, settings):
    settings.MODELSYNC_MISS_THRESHOLD = 1
    payload = load("openrouter/models_older.json")
    payload["data"] = payload["data"][:100]
    before = dump()
    upstream.json(MODELS, json.dumps(payload).encode())
    run = _assert_untouched(synced, before, "refused", "mass_deactivation")
    assert run.plan["deactivate"] == 245 and run.plan["active_before"] == 345
    assert "would deactivate 245 of 345" in run.error_message


def test_too_many_invalid_items_are_refused(upstream, synced):
    payload = load("openrouter/models_older.json")
    for item in payload["data"][:40]:  # 40 of 345 (11.6%) lose their id
        del item["id"]
    before = dump()
    upstream.json(MODELS, json.dumps(payload).encode())
    run = _assert_untouched(synced, before, "refused", "too_many_invalid")
    assert run.invalid == 40


def test_a_few_invalid_items_make_a_partial_run(upstream, synced):
    payload = load("openrouter/models_older.json")
    for item in payload["data"][:5]:  # 5 of 345 (1.4%) lose their id: invalid, below the 10% limit
        del item["id"]
    upstream.json(MODELS, json.dumps(payload).encode())
    run = source_sync(source=synced, trigger="cli")
    assert (run.status, run.invalid, run.deactivated, run.unchanged) == ("partial", 5, 0, 340)
