"""Private feed tokens (issue #27), the service and the shell: stored as a digest only, revocable, one user's read
access to the feeds; the commands print the token once, alone on stdout."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import FeedToken
from catalog.tokens import FEED_TOKEN_PREFIX, LAST_USED_EVERY, feed_token_issue, feed_token_user, feed_tokens_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-pw-123")


def _issue(user, name="") -> tuple[FeedToken, str]:
    feed_token = FeedToken(user=user, name=name)
    return feed_token, feed_token_issue(feed_token=feed_token)


def test_only_the_sha256_is_stored_and_the_token_is_nowhere_in_the_row(alice):
    row, token = _issue(alice, "reader")
    assert token.startswith(FEED_TOKEN_PREFIX) and len(token) > 40
    stored = FeedToken.objects.values().get(pk=row.pk)
    assert stored["digest"] == hashlib.sha256(token.encode()).hexdigest()
    assert stored["prefix"] == token[:8] and all(token not in str(value) for value in stored.values())
    assert _issue(alice)[1] != token  # a user may hold several (one per reader), each its own


def test_a_live_token_is_its_users_and_a_revoked_one_or_an_inactive_users_is_nobodys(alice, django_user_model):
    row, token = _issue(alice)
    assert feed_token_user(token) == alice
    assert feed_token_user(token + "x") is None and feed_token_user(token[4:]) is None
    assert feed_tokens_revoke(feed_tokens=FeedToken.objects.filter(pk=row.pk)) == 1
    assert feed_token_user(token) is None
    assert feed_tokens_revoke(feed_tokens=FeedToken.objects.all()) == 0  # revoking again changes nothing

    bob = django_user_model.objects.create_user("bob", is_active=False)
    assert feed_token_user(_issue(bob)[1]) is None


def test_last_used_is_written_on_use_at_most_every_few_minutes(alice):
    row, token = _issue(alice)
    assert row.last_used_at is None
    feed_token_user(token)
    first = FeedToken.objects.get().last_used_at
    feed_token_user(token)
    assert first is not None and FeedToken.objects.get().last_used_at == first  # a poll is not a write
    FeedToken.objects.update(last_used_at=first - LAST_USED_EVERY - timedelta(seconds=1))
    feed_token_user(token)
    assert FeedToken.objects.get().last_used_at > first


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guess=st.text(max_size=80) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", max_size=60).map(
    lambda tail: FEED_TOKEN_PREFIX + tail))  # fmt: skip
def test_no_other_text_is_a_token(alice, guess):
    if not FeedToken.objects.exists():  # a live token in the table, so a lookup has something to wrongly find
        _issue(alice)
    assert feed_token_user(guess) is None


def _command(name: str, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_feed_token_prints_the_token_alone_and_it_reads_the_feed(api_client):
    token, told = _command("create_feed_token", "carol", "--name", "Thunderbird")
    assert token.startswith(FEED_TOKEN_PREFIX) and "\n" not in token and token not in told
    assert "/feeds/changes.atom?token=TOKEN" in told and "new user 'carol'" in told
    carol = get_user_model().objects.get(username="carol")
    assert not carol.has_usable_password() and FeedToken.objects.get().name == "Thunderbird"
    assert api_client.get("/feeds/changes.atom", {"token": token}).status_code == 200


def test_revoke_feed_tokens_stops_them(api_client, alice):
    _, kept = _issue(alice)
    row, token = _issue(alice)
    done, _ = _command("revoke_feed_tokens", "alice", "--prefix", row.prefix)
    assert done == "Revoked 1 feed token(s) of 'alice'."
    assert api_client.get("/feeds/changes.atom", {"token": token}).status_code == 401
    assert api_client.get("/feeds/changes.atom", {"token": kept}).status_code == 200
    with pytest.raises(CommandError, match="no feed token"):
        _command("revoke_feed_tokens", "nobody")
