"""UpstreamClient on a loopback server: where the key goes, what is retried, what is capped, what a message says."""

import json
import shutil
import time

import pytest
import requests

from modelsync.exceptions import PayloadError, UpstreamError
from modelsync.sync.http import UpstreamClient, _transport_error, safe_url
from modelsync.sync.scrub import scrub
from tests.modelsync.fake_upstream import fake_upstream, self_signed_cert, send, slow_drip
from tests.modelsync.payloads import load, raw

KEY = "sk-test-7f3a9c1e5b"
MODELS = "/v1/models"
REAL = raw("openai/v1_models.json")


@pytest.fixture
def upstream(settings):
    settings.MODELSYNC_HTTP_RETRIES = 2
    settings.MODELSYNC_HTTP_BACKOFF = 0
    with fake_upstream() as fake:
        yield fake


def test_returns_the_decoded_json_and_sends_the_key_only_in_the_authorization_header(upstream):
    upstream.json(MODELS, REAL)
    assert UpstreamClient(api_key=KEY).get_json(f"{upstream.url}{MODELS}") == load("openai/v1_models.json")
    (headers,) = upstream.headers
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert [name for name, value in headers.items() if KEY in value] == ["Authorization"]


def test_no_key_means_no_authorization_header(upstream):
    upstream.json(MODELS, REAL)
    UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert "Authorization" not in upstream.headers[0]


@pytest.mark.parametrize("code", [401, 403])
def test_a_refused_key_is_not_retried(upstream, code):
    upstream.json(MODELS, raw("litellm/unauthorized_models__no_key.json"), status=code)
    with pytest.raises(UpstreamError) as error:
        UpstreamClient(api_key=KEY).get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "unauthorized" and upstream.hits[MODELS] == 1


@pytest.mark.parametrize("code", [429, 500, 502, 503, 504])
def test_429_and_5xx_are_retried_a_bounded_number_of_times(upstream, code):
    upstream.json(MODELS, b"{}", status=code)
    with pytest.raises(UpstreamError):
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert upstream.hits[MODELS] == 3  # 1 + MODELSYNC_HTTP_RETRIES


def test_a_transient_500_then_success_returns_the_body(upstream):
    answers = iter([500, 200])
    upstream.routes[MODELS] = lambda handler: send(handler, next(answers), REAL)
    assert UpstreamClient().get_json(f"{upstream.url}{MODELS}")["object"] == "list"
    assert upstream.hits[MODELS] == 2


def test_a_retry_after_over_the_cap_fails_at_once(upstream, settings):
    settings.MODELSYNC_HTTP_MAX_RETRY_AFTER = 2
    upstream.json(MODELS, b"{}", status=429, Retry_After="3")
    started = time.monotonic()
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "rate_limited" and time.monotonic() - started < 1.5 and upstream.hits[MODELS] == 1


def test_no_retry_is_started_that_could_not_finish_before_the_deadline(upstream, settings):
    settings.MODELSYNC_HTTP_DEADLINE = 3.0  # one more attempt may take connect 2 s + read 2 s: no time for it
    upstream.json(MODELS, b"{}", status=503, Retry_After="1")
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "deadline" and upstream.hits[MODELS] == 1


def test_the_deadline_covers_every_call_of_the_client(upstream, settings):
    settings.MODELSYNC_HTTP_DEADLINE = 0.3
    upstream.json(MODELS, REAL)
    client = UpstreamClient()
    client.get_json(f"{upstream.url}{MODELS}")
    time.sleep(0.35)
    with pytest.raises(UpstreamError) as error:
        client.get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "deadline" and upstream.hits[MODELS] == 1


def test_a_declared_length_over_the_cap_is_refused_before_reading(upstream, settings):
    settings.MODELSYNC_MAX_RESPONSE_BYTES = len(REAL) - 1
    upstream.json(MODELS, REAL)
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "too_large" and "over the" in str(error.value)


def test_an_undeclared_length_over_the_cap_is_counted_while_reading(upstream, settings):
    settings.MODELSYNC_MAX_RESPONSE_BYTES = 1000

    def chunked(handler):
        handler.protocol_version = "HTTP/1.0"  # no Content-Length: the body ends when the connection closes
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(REAL * 3)

    upstream.routes[MODELS] = chunked
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "too_large"


def test_a_redirect_is_an_error_and_its_target_receives_nothing(upstream):
    with fake_upstream() as elsewhere:
        elsewhere.json(MODELS, REAL)
        upstream.json(MODELS, b"", status=307, Location=f"{elsewhere.url}{MODELS}")
        with pytest.raises(UpstreamError) as error:
            UpstreamClient(api_key=KEY).get_json(f"{upstream.url}{MODELS}")
        assert error.value.kind == "redirect" and not elsewhere.hits and not elsewhere.headers


def test_a_body_that_is_not_json_is_a_payload_error(upstream):
    upstream.json(MODELS, REAL[:100])
    with pytest.raises(PayloadError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "not_json"


def test_an_error_message_holds_a_short_sanitized_excerpt_never_the_key_or_the_whole_body(upstream):
    body = json.dumps({"error": {"message": f"invalid key {KEY} Bearer {KEY}", "pad": "x" * 5000}}).encode()
    upstream.json(MODELS, body, status=400)
    with pytest.raises(UpstreamError) as error:
        UpstreamClient(api_key=KEY).get_json(f"{upstream.url}{MODELS}?key=query-secret")
    message = str(error.value)
    assert error.value.kind == "http_400" and "invalid key [redacted]" in message
    assert KEY not in message and "query-secret" not in message and len(message) < 300


def test_a_connection_refused_is_a_connection_error(settings):
    settings.MODELSYNC_HTTP_RETRIES = 0
    with fake_upstream() as gone:
        url = gone.url
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{url}{MODELS}")
    assert error.value.kind == "connection_error"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI to make a certificate")
def test_tls_is_verified(tmp_path, settings):
    settings.MODELSYNC_HTTP_RETRIES = 0
    with fake_upstream(tls_files=self_signed_cert(tmp_path)) as untrusted:
        untrusted.json(MODELS, REAL)
        with pytest.raises(UpstreamError) as error:
            UpstreamClient(api_key=KEY).get_json(f"{untrusted.url}{MODELS}")
    assert error.value.kind == "tls_error" and not untrusted.headers


def test_safe_url_drops_credentials_query_and_fragment():
    assert safe_url("https://user:pw@proxy.example.com:8443/v1/models?key=abc#x") == (
        "https://proxy.example.com:8443/v1/models"
    )


def test_scrub_masks_the_key_and_credential_shapes():
    text = f"failed for {KEY}: Authorization: Bearer abc.def and sk-other-123 at https://u:p@h/x\n next"
    assert (
        scrub(text, KEY)
        == "failed for [redacted]: Authorization: [redacted] and [redacted] at https:[redacted]h/x next"
    )


def test_the_client_repr_never_shows_the_key():
    assert KEY not in repr(UpstreamClient(api_key=KEY))


def test_a_body_cut_short_of_its_declared_length_is_a_connection_error(upstream):
    def cut_short(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(REAL)))
        handler.end_headers()
        handler.wfile.write(REAL[: len(REAL) // 2])  # then the connection closes (HTTP/1.0)

    upstream.routes[MODELS] = cut_short
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "connection_error" and "broke off" in str(error.value)


def test_a_body_that_is_not_the_gzip_it_claims_is_a_connection_error(upstream):
    upstream.json(MODELS, REAL, Content_Encoding="gzip")
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "connection_error" and str(error.value).endswith("broke off: ContentDecodingError")


def test_an_error_body_that_cannot_be_decoded_gives_a_message_without_an_excerpt(upstream):
    upstream.json(MODELS, raw("litellm/unauthorized_models__no_key.json"), status=400, Content_Encoding="gzip")
    with pytest.raises(UpstreamError) as error:
        UpstreamClient(api_key=KEY).get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "http_400"
    assert str(error.value) == f"GET {upstream.url}{MODELS} answered HTTP 400"


def test_a_slow_drip_with_a_declared_length_is_cut_at_the_deadline(upstream, settings):
    settings.MODELSYNC_HTTP_DEADLINE = 1.0

    upstream.routes[MODELS] = slow_drip(REAL[:100], declare_length=True)  # 5 s of bytes: the deadline is 1 s
    started = time.monotonic()
    with pytest.raises(UpstreamError) as error:
        UpstreamClient().get_json(f"{upstream.url}{MODELS}")
    assert error.value.kind == "deadline" and "still sending" in str(error.value)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("url", ["127.0.0.1:4000/v1/models", "ftp://127.0.0.1/v1/models", "http://"])
def test_a_url_requests_cannot_use_is_an_error_of_the_run_not_a_crash(url):
    with pytest.raises(UpstreamError) as error:
        UpstreamClient(api_key=KEY).get_json(url)
    assert error.value.kind == "connection_error" and " failed: " in str(error.value)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out: http://user:pw@host/"), "timeout"),
        (requests.exceptions.ReadTimeout("read timed out"), "timeout"),
        (requests.exceptions.RetryError("too many 503 error responses"), "retries_exhausted"),
        (requests.exceptions.ConnectionError(), "connection_error"),
        (requests.exceptions.TooManyRedirects("http://user:pw@host/"), "connection_error"),
    ],
)
def test_each_transport_failure_has_its_kind_and_drops_the_exception_text(exc, kind):
    error = _transport_error("http://127.0.0.1:4000/v1/models", exc)
    assert error.kind == kind and "user:pw" not in str(error) and str(error).startswith("GET http://127.0.0.1")
