"""The retirement rules (catalog.retirement_rules), pure: which date is in force, who said it, the window."""

import datetime as dt
import json
import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.retirement_rules import (
    Retirement,
    Successor,
    as_day,
    due_lead,
    effective_date,
    in_window,
    successor_json,
)

DAY = dt.date(2027, 3, 1)
LINKED = {"expires_at": {"value": "2027-05-01", "from": "costmap"}}
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1))


def test_staff_wins_over_the_source_and_the_source_over_a_linked_record():
    synced = dt.datetime(2027, 4, 1, tzinfo=dt.UTC)
    assert effective_date(staff=DAY, synced=synced, source_kind="openrouter", enrichment=LINKED) == (DAY, "staff")
    assert effective_date(staff=None, synced=synced, source_kind="openrouter", enrichment=LINKED) == (
        dt.date(2027, 4, 1), "openrouter")  # fmt: skip
    assert effective_date(staff=None, synced=None, source_kind="litellm", enrichment=LINKED) == (
        dt.date(2027, 5, 1), "linked:costmap")  # fmt: skip


def test_nobody_stating_a_date_means_no_retirement():
    assert effective_date(staff=None, synced=None, source_kind="litellm", enrichment={}) is None
    assert effective_date(staff=None, synced=None, source_kind="litellm", enrichment=None) is None
    unreadable = {"expires_at": {"value": "soon", "from": "costmap"}}
    assert effective_date(staff=None, synced=None, source_kind="litellm", enrichment=unreadable) is None


def test_a_linked_date_that_does_not_name_its_source_is_linked_and_nothing_more():
    unnamed = {"expires_at": {"value": "2027-05-01"}}
    assert effective_date(staff=None, synced=None, source_kind="litellm", enrichment=unnamed) == (
        dt.date(2027, 5, 1), "linked:")  # fmt: skip


def test_a_successor_as_events_and_the_api_show_it():
    successor = Successor(id=7, model="openai/gpt-5-mini", display_name="GPT-5 mini", source="openrouter",
                          chosen_by="selection", reasons=("same provider (openai)", "category chat"))  # fmt: skip
    shown = {"id": 7, "model": "openai/gpt-5-mini", "display_name": "GPT-5 mini", "source": "openrouter",
             "chosen_by": "selection", "reasons": ["same provider (openai)", "category chat"]}  # fmt: skip
    assert successor_json(successor) == shown and json.loads(json.dumps(successor_json(successor))) == shown
    assert successor_json(None) is None


def test_a_synced_datetime_counts_by_its_utc_day():
    late = dt.datetime(2027, 4, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert as_day(late) == dt.date(2027, 4, 2)
    assert as_day(dt.datetime(2027, 4, 1, 23, 30)) == dt.date(2027, 4, 1)  # naive: already UTC (SQLite)
    assert as_day("2027-04-01T00:00:00+00:00") == dt.date(2027, 4, 1)
    assert as_day("") is None and as_day(None) is None


@pytest.fixture
def server_in_tokyo():
    """The process's local zone nine hours ahead of UTC (a POSIX TZ rule: no zone database needed), then back."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "JST-9"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_the_day_is_the_utc_day_whatever_the_servers_own_zone(server_in_tokyo):
    assert dt.datetime(2027, 4, 1, 3, 0).astimezone().utcoffset() == dt.timedelta(hours=9)  # the zone took
    assert as_day(dt.datetime(2027, 4, 1, 20, 0, tzinfo=dt.UTC)) == dt.date(2027, 4, 1)  # 05:00 the 2nd in Tokyo
    assert as_day(dt.datetime(2027, 4, 1, 3, 0)) == dt.date(2027, 4, 1)  # naive is UTC, not Tokyo's 18:00 the 31st


@given(day=days, today=days)
def test_days_left_is_zero_on_the_day_and_negative_after(day, today):
    retirement = Retirement(model=None, date=day, provenance="staff")
    left = retirement.days_left(today)
    assert today + dt.timedelta(days=left) == day
    assert (left == 0) == (day == today) and (left < 0) == (today > day)


@given(day=days, start=st.none() | days, end=st.none() | days)
def test_a_window_is_inclusive_and_open_where_unbounded(day, start, end):
    expected = (start is None or start <= day) and (end is None or day <= end)
    assert in_window(day, start, end) is expected


LEADS = (90, 30, 7, 1)


def walk(first_left: int, last_left: int, leads=LEADS) -> list[tuple[int, int]]:
    """(days left, lead sent) for each day from `first_left` days ahead down to `last_left`, sent leads remembered."""
    sent, said = set(), []
    for left in range(first_left, last_left - 1, -1):
        if (lead := due_lead(left, leads, sent)) is not None:
            sent.add(lead)
            said.append((left, lead))
    return said


def test_walking_every_day_sends_each_lead_time_on_its_day_and_retired_on_the_day():
    assert walk(200, -30) == [(90, 90), (30, 30), (7, 7), (1, 1), (0, 0)]


def test_a_date_that_appears_late_gets_only_the_nearest_lead_time():
    assert walk(5, -3) == [(5, 7), (1, 1), (0, 0)]
    assert walk(-4, -10) == [(-4, 0)]  # appeared after the day: one model.retired
    assert due_lead(91, LEADS, set()) is None


@given(
    leads=st.lists(st.integers(1, 400), min_size=1, max_size=6, unique=True).map(lambda d: tuple(sorted(d)[::-1])),
    start=st.integers(-20, 500),
    step=st.integers(1, 40),
)
def test_each_lead_is_sent_at_most_once_in_order_and_never_before_it_is_due(leads, start, step):
    sent, said = set(), []
    for left in range(start, -25, -step):  # a run every `step` days: some days missed
        if (lead := due_lead(left, leads, sent)) is not None:
            assert lead >= left and lead not in sent
            assert not [other for other in (*leads, 0) if left <= other < lead]  # the nearest one due
            sent.add(lead)
            said.append(lead)
    assert said == sorted(said, reverse=True)
    if any(left <= 0 for left in range(start, -25, -step)):
        assert said[-1] == 0  # whatever was missed, the day itself is told
