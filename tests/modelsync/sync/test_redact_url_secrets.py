"""modelsync.sync.scrub.redact_url_secrets (issue #27): a feed token leaves no trace in a log line, wherever in a URL
or message it sits, and the rest of the line is kept as it was."""

import secrets

from hypothesis import given
from hypothesis import strategies as st

from modelsync.sync.scrub import REDACTED, redact_url_secrets

params = st.lists(st.tuples(st.sampled_from(["type", "source", "after", "x"]), st.text("abc123._-", max_size=8)),
                  max_size=3)  # fmt: skip
# A value runs to the next separator or whitespace (a log line's request ends at a space).
values = st.text(st.characters(exclude_categories=("Zs", "Zl", "Zp", "Cc"), exclude_characters="&;#\"'"), min_size=1)


@given(before=params, after=params, value=values)
def test_a_token_value_anywhere_in_a_query_is_redacted_and_the_rest_kept(before, after, value):
    query = "&".join([*(f"{k}={v}" for k, v in before), f"token={value}", *(f"{k}={v}" for k, v in after)])
    line = f'"GET /feeds/changes.atom?{query} HTTP/1.1" 200'
    redacted = redact_url_secrets(line)
    expected = "&".join([*(f"{k}={v}" for k, v in before), f"token={REDACTED}", *(f"{k}={v}" for k, v in after)])
    assert redacted == f'"GET /feeds/changes.atom?{expected} HTTP/1.1" 200'


def test_a_feed_token_pasted_anywhere_is_redacted_and_other_text_is_not():
    token = "msf_" + secrets.token_urlsafe(32)
    assert redact_url_secrets(f"see {token}, or /x?next=%2Ffeeds%3Ftoken%3D{token}") == (
        f"see {REDACTED}, or /x?next=%2Ffeeds%3Ftoken%3D{REDACTED}"
    )
    untouched = "GET /api/v1/models/?tokens=3&page=2 msf_short mytoken=1"
    assert redact_url_secrets(untouched) == untouched
