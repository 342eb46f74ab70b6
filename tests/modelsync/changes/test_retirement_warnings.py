"""The daily retirement warnings (modelsync.changes.retiring): one event per model per lead time, on a frozen clock
walked across the lead times over the real captures; run again, nothing more; a late date, a moved date."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine

from catalog.models import LLMModel
from modelsync.changes.payloads import event_summary
from modelsync.changes.retiring import retirement_warnings_send
from modelsync.models import Event
from modelsync.notices import RetirementNotice
from tests.modelsync.changes.retirement_catalog import DAY, retirement_catalog_sync

pytestmark = pytest.mark.django_db
LEADS = (90, 30, 7, 1, 0)
# Each lead day of DAY and the days around them: a walk over them must send each lead time once.
WALK = sorted({DAY - dt.timedelta(days=left + shift) for left in LEADS for shift in (1, 0, -1)})


@pytest.fixture
def dated(monkeypatch):
    monkeypatch.setenv("LITELLM_API_KEY", "sk-test-only")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test-only")
    return retirement_catalog_sync()


def retirement_events():
    return list(Event.objects.filter(type__in=("model.retiring", "model.retired")).order_by("id"))


def walk_the_clock(days) -> None:
    with time_machine.travel(dt.datetime.combine(days[0], dt.time(6), tzinfo=dt.UTC), tick=False) as clock:
        for day in days:
            clock.move_to(dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC))
            retirement_warnings_send()


def test_a_clock_walked_across_the_lead_times_sends_one_event_per_model_and_lead_time(dated):
    walk_the_clock(WALK)
    events = retirement_events()
    on_day = {e.data["model"]: [] for e in events if e.data["date"] == DAY.isoformat()}
    for event in events:
        if event.data["date"] == DAY.isoformat():
            on_day[event.data["model"]].append((event.type, event.data["lead_days"], event.data["days_left"]))
    expected = [("model.retiring", 90, 90), ("model.retiring", 30, 30), ("model.retiring", 7, 7),
                ("model.retiring", 1, 1), ("model.retired", 0, 0)]  # fmt: skip
    assert {"gpt-4o", "inclusionai/ring-2.6-1t", "nvidia/nemotron-nano-9b-v2:free"} <= set(on_day)
    assert len(on_day) == 7 and all(said == expected for said in on_day.values()), on_day
    keys = Counter((e.llm_model_id, e.data["lead_days"], e.data["date"]) for e in events)
    assert max(keys.values()) == 1 and len(keys) == RetirementNotice.objects.count()

    walk_the_clock(WALK)  # a restart, a second beat, a replica: the same days again
    assert len(retirement_events()) == len(events)


def test_an_event_carries_the_date_days_left_provenance_and_a_successor_with_reasons(dated):
    walk_the_clock([DAY - dt.timedelta(days=30)])
    event = next(e for e in retirement_events() if e.data["model"] == "gpt-4o")
    gpt_4o = LLMModel.objects.get(source=dated[0], model="gpt-4o")
    assert (event.llm_model_id, event.source_id) == (gpt_4o.pk, dated[0].pk)
    expected = {"model": "gpt-4o", "date": "2026-08-24", "days_left": 30, "lead_days": 30, "provenance": "litellm"}
    assert event.data | {"successor": None} == expected | {"successor": None}
    successor = event.data["successor"]
    assert successor["chosen_by"] == "selection" and successor["source"] == "litellm"
    assert successor["reasons"][0] == "same provider (openai)" and successor["model"] != "gpt-4o"
    summary = f"gpt-4o: retires on 2026-08-24 (in 30 days); move to {successor['model']}"
    assert event_summary(event.type, event.data) == summary


def test_a_date_that_appears_five_days_ahead_gets_the_seven_day_warning_only(dated):
    model = LLMModel.objects.get(source=dated[0], model="gpt-4o-mini")
    today = dt.date(2026, 3, 1)
    model.staff_retirement_date = today + dt.timedelta(days=5)
    model.save()
    retirement_warnings_send(today=today)
    retirement_warnings_send(today=today + dt.timedelta(days=1))
    said = [(e.data["lead_days"], e.data["days_left"]) for e in retirement_events() if e.llm_model_id == model.pk]
    assert said == [(7, 5)]
    assert [e.data["provenance"] for e in retirement_events() if e.llm_model_id == model.pk] == ["staff"]


def test_a_moved_date_is_warned_about_afresh(dated):
    model = LLMModel.objects.get(source=dated[0], model="gpt-4o-mini")
    model.staff_retirement_date = dt.date(2026, 3, 10)
    model.save()
    retirement_warnings_send(today=dt.date(2026, 3, 9))
    model.staff_retirement_date = dt.date(2026, 6, 1)  # postponed
    model.save()
    retirement_warnings_send(today=dt.date(2026, 3, 9))
    said = [(e.data["date"], e.data["lead_days"]) for e in retirement_events() if e.llm_model_id == model.pk]
    assert said == [("2026-03-10", 1), ("2026-06-01", 90)]


def test_lead_days_come_from_the_setting(dated, settings):
    settings.MODELSYNC_RETIREMENT_LEAD_DAYS = (14,)
    assert retirement_warnings_send(today=DAY - dt.timedelta(days=30)) == 0
    assert retirement_warnings_send(today=DAY - dt.timedelta(days=14)) == 7
    assert {e.data["lead_days"] for e in retirement_events()} == {14}


def test_the_daily_task_is_in_the_beat_schedule_once(db):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from modelsync.schedule import RETIREMENT_WARNINGS_NAME

    call_command("setup_periodic_tasks", stdout=io.StringIO())
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name=RETIREMENT_WARNINGS_NAME)
    assert task.task == "modelsync.retirement_warnings_task" and task.crontab.hour == "6" and task.expire_seconds
    assert PeriodicTask.objects.filter(task="modelsync.retirement_warnings_task").count() == 1


@pytest.mark.parametrize(("value", "said"), [("90,soon", "whole numbers"), ("30,0", "above 0"), ("7,7", "distinct")])
def test_a_bad_lead_days_setting_names_the_variable(value, said):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import _lead_days

    with pytest.raises(ImproperlyConfigured, match=f"MODELSYNC_RETIREMENT_LEAD_DAYS.*{said}"):
        _lead_days("MODELSYNC_RETIREMENT_LEAD_DAYS", value.split(","))
    assert _lead_days("X", ["1", "90", "30"]) == (90, 30, 1)
