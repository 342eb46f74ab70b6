"""Single-row rules of the sync models, the default error kind, and the key scrubbed out of records."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.openrouter import parse_models
from modelsync.exceptions import PayloadError, RefusedError, SyncError
from modelsync.models import Source, SyncLease
from modelsync.sync.scrub import redact
from tests.modelsync.payloads import load

KEY = "sk-or-v1-echoed-4c2f"


@pytest.mark.parametrize("kind", ["litellm", "openrouter", "openai", "ollama"])
def test_every_kind_but_static_needs_a_base_url(kind):
    with pytest.raises(ValidationError) as error:
        Source(name="x", kind=kind, base_url="").clean()
    assert error.value.message_dict == {"base_url": ["A base URL is required for this kind of source."]}


def test_a_static_source_needs_no_base_url():
    Source(name="static", kind="static", base_url="").clean()  # raises nothing


@pytest.mark.parametrize("url", ["http://user:pw@127.0.0.1:4000", "https://sk-123@openrouter.ai/api/v1"])
def test_credentials_in_the_base_url_are_refused(url):
    with pytest.raises(ValidationError) as error:
        Source(name="x", kind="litellm", base_url=url).clean()
    assert "not in the URL" in error.value.message_dict["base_url"][0]


def test_an_at_sign_in_the_path_is_not_a_credential():
    Source(name="x", kind="litellm", base_url="http://127.0.0.1:4000/team@one").clean()


def test_a_lease_says_who_holds_it_until_when():
    lease = SyncLease(source_id=7, holder="abc123", expires_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert str(lease) == "7 held by abc123 until 03:04:05"


def test_a_sync_error_keeps_its_class_kind_unless_given_one():
    assert (SyncError("x").kind, PayloadError("x").kind, RefusedError("x").kind) == ("sync_error", "bad_payload",
                                                                                       "refused")  # fmt: skip
    assert PayloadError("x", kind="not_json").kind == "not_json" and PayloadError("y").kind == "bad_payload"
    assert RefusedError("x", kind="empty").status == "refused" and SyncError("x").status == "failed"


def test_a_key_echoed_into_a_record_is_redacted_and_other_records_are_untouched():
    config = SourceConfig(name="openrouter", kind="openrouter", base_url="https://openrouter.ai/api/v1", api_key=KEY)
    clean, echoed = parse_models(load("openrouter/models.json"), config).records[:2]
    echoed = replace(echoed, display_name=f"{echoed.display_name} {KEY}",
                     details={**echoed.details, "description": f"call it with {KEY}"})  # fmt: skip
    kept, scrubbed = redact((clean, echoed), KEY)
    assert kept is clean
    assert KEY not in repr(scrubbed)
    assert scrubbed.display_name.endswith(" [redacted]")
    assert scrubbed.details["description"] == "call it with [redacted]"
    assert scrubbed.external_id == echoed.external_id


def test_without_a_key_nothing_is_redacted():
    records = parse_models(load("openrouter/models.json"), SourceConfig("o", "openrouter", "http://x")).records[:3]
    assert redact(records, "") is records
