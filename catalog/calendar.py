"""Retirements as iCalendar (RFC 5545), pure: plain rows in, the bytes of /feeds/retirements.ics out.

One all-day event per retirement: DTSTART the day, DTEND the next (all-day events end exclusively), a UID that is the
same for the same model and day on every fetch (so a calendar updates its event rather than adding one), and the
successor with its reasons in the description. The `icalendar` library writes the text (escaping, folding, CRLF).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from icalendar import Calendar, Event, vDuration

PRODID = "-//modelsync//retirements//EN"
CALENDAR_NAME = "modelsync: model retirements"
# How often a subscribed calendar should fetch again (Apple and Google read X-PUBLISHED-TTL, RFC 7986 the other).
REFRESH = dt.timedelta(hours=6)
# RFC 5545 TEXT admits no control character but a line break (written as \n) and a tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class CalendarRetirement:
    """What one event says: the model (the name clients send), its source, the day and where to read about it."""

    model: str
    source: str
    date: dt.date
    url: str
    provenance: str = ""
    successor: str | None = None  # the name to move to
    successor_reasons: tuple[str, ...] = ()


def ical_text(text: str) -> str:
    """`text` as an iCalendar TEXT value may carry it: line breaks made \\n, other control characters dropped."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def event_uid(source: str, model: str, day: dt.date) -> str:
    """Stable per (source, model, day); a hash, since a model name may hold any character."""
    digest = hashlib.sha256(f"{source}\x00{model}\x00{day.isoformat()}".encode()).hexdigest()[:32]
    return f"retirement-{digest}@modelsync"


def days_left_text(day: dt.date, today: dt.date) -> str:
    days = (day - today).days
    if days == 0:
        return "Retires today."
    if days > 0:
        return f"Retires in {days} day{'s' if days != 1 else ''}."
    return f"Retired {-days} day{'s' if days != -1 else ''} ago."


def event_description(row: CalendarRetirement, today: dt.date) -> str:
    lines = [f"{row.model} ({row.source}) stops working on {row.date.isoformat()}. {days_left_text(row.date, today)}"]
    if row.provenance:
        lines.append(f"Date stated by: {row.provenance}.")
    if row.successor:
        lines.append(f"Successor: {row.successor}")
        lines.extend(f"- {reason}" for reason in row.successor_reasons)
    else:
        lines.append("Successor: none named yet.")
    lines.append(row.url)
    return "\n".join(lines)


def retirements_calendar(rows: list[CalendarRetirement], *, today: dt.date, now: dt.datetime) -> bytes:
    """The calendar: one all-day VEVENT per row, in the rows' order; `now` (aware) is every event's DTSTAMP."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("name", CALENDAR_NAME)
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for row in rows:
        event = Event()
        event.add("uid", event_uid(row.source, row.model, row.date))
        event.add("dtstamp", now)
        event.add("dtstart", row.date)
        event.add("dtend", row.date + dt.timedelta(days=1))
        event.add("summary", ical_text(f"{row.model} retires"))
        event.add("description", ical_text(event_description(row, today)))
        event.add("url", row.url)
        event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free
        calendar.add_component(event)
    return calendar.to_ical()
