"""retirement_warnings_send(): the daily `model.retiring` / `model.retired` events, each sent once (issue #27).

For each offered model with a retirement date (catalog.retirements), the lead time due today
(catalog.retirement_rules.due_lead: MODELSYNC_RETIREMENT_LEAD_DAYS, then the day itself) is claimed by inserting
its RetirementNotice row; the unique (model, lead time, date) lets one INSERT win, whichever worker, replica or
restart tries. The events are those of the rows this run inserted (found by its claim token), written in the same
transaction through the change feed and the outbox like every other event.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.retirement_rules import RETIRED, Retirement, due_lead, successor_json
from catalog.retirements import retirements
from modelsync.changes.events import events_record
from modelsync.models import Event
from modelsync.notices import RetirementNotice


def retirement_warnings_send(*, today: dt.date | None = None) -> int:
    """Send the warnings due on `today` (the UTC day by default) that no run sent before; how many were sent."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    leads = settings.MODELSYNC_RETIREMENT_LEAD_DAYS
    found = retirements(end=today + dt.timedelta(days=max(leads)))  # past dates too: their `model.retired`
    sent: dict[tuple[int, dt.date], set[int]] = {}
    notices = RetirementNotice.objects.filter(llm_model_id__in=[r.model.pk for r in found])
    for model_id, day, lead in notices.values_list("llm_model_id", "retirement_date", "lead_days"):
        sent.setdefault((model_id, day), set()).add(lead)
    due = [(r, lead) for r in found if (lead := due_lead(r.days_left(today), leads, sent.get((r.model.pk, r.date), ())))
           is not None]  # fmt: skip
    if not due:
        return 0
    claim = uuid.uuid4().hex
    with transaction.atomic():
        rows = [
            RetirementNotice(llm_model=r.model, lead_days=lead, retirement_date=r.date, claim=claim) for r, lead in due
        ]
        RetirementNotice.objects.bulk_create(rows, ignore_conflicts=True)  # another run's row stays; ours is marked
        mine = set(RetirementNotice.objects.filter(claim=claim).values_list("llm_model_id", "lead_days"))
        events = [retirement_event(r, lead, today) for r, lead in due if (r.model.pk, lead) in mine]
        events_record(events)
    return len(events)


def retirement_event(retirement: Retirement, lead: int, today: dt.date) -> dict:
    """`model.retiring` (`lead` days ahead) or `model.retired` (RETIRED), with the date, the days left, who said
    so and what to move to."""
    model = retirement.model
    data = {
        "model": model.model,
        "date": retirement.date.isoformat(),
        "days_left": retirement.days_left(today),
        "lead_days": lead,
        "provenance": retirement.provenance,
        "successor": successor_json(retirement.successor),
    }
    kind = Event.Type.MODEL_RETIRED if lead == RETIRED else Event.Type.MODEL_RETIRING
    return {"type": kind, "source_id": model.source_id, "llm_model_id": model.pk, "data": data}
