"""The retirement rules (catalog.retirement_rules), pure: which date is in force, who said it, the window."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from catalog.retirement_rules import Retirement, as_day, effective_date, in_window

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


def test_a_synced_datetime_counts_by_its_utc_day():
    late = dt.datetime(2027, 4, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert as_day(late) == dt.date(2027, 4, 2)
    assert as_day(dt.datetime(2027, 4, 1, 23, 30)) == dt.date(2027, 4, 1)  # naive: already UTC (SQLite)
    assert as_day("2027-04-01T00:00:00+00:00") == dt.date(2027, 4, 1)
    assert as_day("") is None and as_day(None) is None


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
