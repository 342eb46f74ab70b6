"""/feeds/retirements.ics's text (issue #27), pure: one all-day event per retirement, read back by two independent
iCalendar readers (the `icalendar` library that writes it, and `ics`).

The rows are the real OpenRouter capture's models that carry `expiration_date`
(tests/modelsync/payloads/openrouter/models.json, copied from ../shared/fixtures/openrouter/models.json).
"""

import dataclasses
import datetime as dt
import re

import icalendar
import ics
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.calendar import (
    CalendarRetirement,
    days_left_text,
    event_uid,
    ical_text,
    retirements_calendar,
)
from tests.modelsync.payloads import load

TODAY = dt.date(2026, 8, 1)
NOW = dt.datetime(2026, 8, 1, 6, 0, tzinfo=dt.UTC)


def captured_rows() -> list[CalendarRetirement]:
    """Each capture model with an expiration date, the first with a successor and its reasons."""
    dated = [item for item in load("openrouter/models.json")["data"] if item.get("expiration_date")]
    dated.sort(key=lambda item: (item["expiration_date"], item["id"]))  # as catalog.retirements orders them
    rows = [
        CalendarRetirement(
            model=item["id"],
            source="openrouter",
            date=dt.date.fromisoformat(item["expiration_date"]),
            url=f"https://catalog.example/api/v1/models/{n}/",
            provenance="openrouter",
        )
        for n, item in enumerate(dated, start=1)
    ]
    reasons = ("same provider", "chat, function_calling, 400000 tokens")
    rows[0] = dataclasses.replace(rows[0], successor="openai/gpt-5-mini", successor_reasons=reasons)
    return rows


@pytest.fixture(scope="module")
def rows() -> list[CalendarRetirement]:
    found = captured_rows()
    assert len(found) == 13  # 6 on 2026-08-24, one each on 2026-09-30 and 2026-12-31, five on 2098-12-31
    return found


def _both(rows) -> tuple[list, list]:
    text = retirements_calendar(rows, today=TODAY, now=NOW)
    with_icalendar = icalendar.Calendar.from_ical(text).walk("VEVENT")
    with_ics = sorted(ics.Calendar(text.decode()).events, key=lambda e: [r.url for r in rows].index(e.url))
    return with_icalendar, with_ics


def test_one_all_day_event_per_retirement_read_by_icalendar(rows):
    events = _both(rows)[0]
    assert len(events) == len(rows)
    for event, row in zip(events, rows, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert type(start) is dt.date and start == row.date and end == row.date + dt.timedelta(days=1)
        assert str(event["summary"]) == f"{row.model} retires" and str(event["url"]) == row.url
        assert str(event["uid"]) == event_uid("openrouter", row.model, row.date)
    assert len({str(event["uid"]) for event in events}) == len(rows)
    first = str(events[0]["description"]).splitlines()
    assert first[0].endswith("stops working on 2026-08-24. Retires in 23 days.")
    assert first[2:5] == ["Successor: openai/gpt-5-mini", "- same provider", "- chat, function_calling, 400000 tokens"]
    assert "Successor: none named yet." in str(events[-1]["description"])


def test_the_second_reader_ics_reads_the_same_events(rows):
    events = _both(rows)[1]
    assert [(e.name, e.begin.date(), e.end.date(), e.all_day) for e in events] == [
        (f"{row.model} retires", row.date, row.date + dt.timedelta(days=1), True) for row in rows
    ]
    far = (dt.date(2098, 12, 31) - TODAY).days
    assert "Retired" not in events[0].description and f"2098-12-31. Retires in {far} days." in events[-1].description


def test_the_uid_is_the_same_on_every_fetch_and_moves_with_the_day(rows):
    later = icalendar.Calendar.from_ical(retirements_calendar(rows, today=TODAY + dt.timedelta(days=9), now=NOW))
    assert [str(e["uid"]) for e in later.walk("VEVENT")] == [str(e["uid"]) for e in _both(rows)[0]]
    row = rows[0]
    assert event_uid(row.source, row.model, row.date) != event_uid(row.source, row.model, dt.date(2026, 8, 25))
    assert event_uid(row.source, row.model, row.date) != event_uid("litellm", row.model, row.date)


@pytest.mark.parametrize(
    ("days", "said"),
    [(0, "Retires today."), (1, "Retires in 1 day."), (30, "Retires in 30 days."), (-1, "Retired 1 day ago."),
     (-3, "Retired 3 days ago.")],
)  # fmt: skip
def test_days_left(days, said):
    assert days_left_text(TODAY + dt.timedelta(days=days), TODAY) == said


def test_the_calendar_says_who_wrote_it_its_name_and_how_often_to_refresh():
    calendar = icalendar.Calendar.from_ical(retirements_calendar([], today=TODAY, now=NOW))
    said = {name: str(calendar[name]) for name in ("prodid", "version", "calscale", "method", "x-wr-calname", "name")}
    assert said == {"prodid": "-//modelsync//retirements//EN", "version": "2.0", "calscale": "GREGORIAN",
                    "method": "PUBLISH", "x-wr-calname": "modelsync: model retirements",
                    "name": "modelsync: model retirements"}  # fmt: skip
    assert str(calendar["refresh-interval"]) == "PT6H" and str(calendar["x-published-ttl"]) == "PT6H"
    assert calendar["refresh-interval"].params["VALUE"] == "DURATION" and not calendar.walk("VEVENT")


def test_an_event_is_a_free_reminder_with_its_stamp_and_a_hashed_uid(rows):
    event = _both(rows[:1])[0][0]
    assert str(event["transp"]) == "TRANSPARENT" and event.decoded("dtstamp") == NOW
    assert re.fullmatch(r"retirement-[0-9a-f]{32}@modelsync", str(event["uid"]))
    lines = str(event["description"]).splitlines()
    assert lines[1] == "Date stated by: openrouter." and lines[-1] == rows[0].url
    bare = dataclasses.replace(rows[0], provenance="", successor=None, successor_reasons=())
    assert retirements_calendar([bare], today=TODAY, now=NOW).count(b"Date stated by") == 0


# Any text but a backslash: both readers decode TEXT with an ordered chain of replaces, so an escaped backslash before
# n, ; or , comes back wrong (icalendar 6.3.2 drops it; ics: ics-py/ics-py#198). The writer's escape is pinned below.
names = st.text(st.characters(exclude_characters="\\"), min_size=1, max_size=40) | st.text(
    alphabet=",;:\n\"'<>&é中🚀 abc/", min_size=1, max_size=20
)


@settings(max_examples=50, deadline=None)  # ics parses slowly (TatSu): fifty calendars are seconds
@given(model=names, successor=names, reasons=st.lists(names, max_size=2))
def test_any_model_name_round_trips_through_both_readers(model, successor, reasons):
    row = CalendarRetirement(model=model, source="gateway", date=TODAY, url="https://catalog.example/api/v1/models/1/",
                             successor=successor, successor_reasons=tuple(reasons))  # fmt: skip
    (with_icalendar,), (with_ics,) = _both([row])
    summary = ical_text(f"{model} retires")
    assert str(with_icalendar["summary"]) == summary and with_ics.name == summary
    description = str(with_icalendar["description"])
    assert description == with_ics.description
    assert ical_text(f"Successor: {successor}") in description and ical_text(model) in description


def test_a_backslash_is_written_escaped_as_rfc_5545_says():
    row = CalendarRetirement(model="a\\n;b", source="s", date=TODAY, url="https://catalog.example/")
    assert b"SUMMARY:a\\\\n\\;b retires" in retirements_calendar([row], today=TODAY, now=NOW)


def test_control_characters_are_dropped_and_carriage_returns_are_line_breaks():
    assert ical_text("a\x00b\x1bc\r\nd\re\tf\x7f") == "abc\nd\ne\tf"


# What a subscribed calendar reads, octet for octet: CRLF line ends, lines folded at 75 octets (RFC 5545 3.1), the
# TEXT escapes. The UIDs are checked independently (`printf 'openrouter\0<model>\0<day>' | sha256sum`); they must
# never change between releases, or every subscriber would see each retirement twice.
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//modelsync//retirements//EN\r\nCALSCALE:GREGORIAN\r\n"
    "METHOD:PUBLISH\r\nNAME:modelsync: model retirements\r\nX-WR-CALNAME:modelsync: model retirements\r\n"
    "REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\nX-PUBLISHED-TTL:PT6H\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:inclusionai/ling-2.6-1t retires\r\nDTSTART;VALUE=DATE:20260824\r\n"
    "DTEND;VALUE=DATE:20260825\r\nDTSTAMP:20260801T060000Z\r\n"
    "UID:retirement-62e5195da58bba362957269c87304bbb@modelsync\r\n"
    "DESCRIPTION:inclusionai/ling-2.6-1t (openrouter) stops working on 2026-08-\r\n"
    " 24. Retires in 23 days.\\nDate stated by: openrouter.\\nSuccessor: openai/gp\r\n"
    " t-5-mini\\n- same provider\\n- chat\\, function_calling\\, 400000 tokens\\nhttp\r\n"
    " s://catalog.example/api/v1/models/1/\r\n"
    "TRANSP:TRANSPARENT\r\nURL:https://catalog.example/api/v1/models/1/\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:~z-ai/glm-latest retires\r\nDTSTART;VALUE=DATE:20981231\r\n"
    "DTEND;VALUE=DATE:20990101\r\nDTSTAMP:20260801T060000Z\r\n"
    "UID:retirement-7c14b772195a47884b4bf3263b5b4a3d@modelsync\r\n"
    "DESCRIPTION:~z-ai/glm-latest (openrouter) stops working on 2098-12-31. Ret\r\n"
    " ires in 26450 days.\\nSuccessor: none named yet.\\nhttps://catalog.example/a\r\n"
    " pi/v1/models/13/\r\n"
    "TRANSP:TRANSPARENT\r\nURL:https://catalog.example/api/v1/models/13/\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_the_feed_is_exactly_the_text_a_calendar_app_reads(rows):
    unsourced = dataclasses.replace(rows[-1], provenance="")  # no "Date stated by", no successor
    text = retirements_calendar([rows[0], unsourced], today=TODAY, now=NOW)
    assert text == ICS.encode()
    assert max(len(line) for line in text.split(b"\r\n")) == 75
    _, last = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(last["description"]).split("\n") == [
        "~z-ai/glm-latest (openrouter) stops working on 2098-12-31. Retires in 26450 days.",
        "Successor: none named yet.",
        "https://catalog.example/api/v1/models/13/",
    ]
