"""Chainable read helpers for the catalog."""

from django.db import models
from django.db.models.functions import Coalesce


class LLMModelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible(self):
        """What the API offers: active and not hidden by staff."""
        return self.filter(is_active=True, is_hidden=False)

    def with_capability(self, name: str):
        # JSON-text containment works on SQLite and PostgreSQL alike; the quotes anchor the whole value.
        return self.filter(capabilities__icontains=f'"{name}"')

    def with_effective_values(self):
        """Annotate the staff-overridden values so filters and ordering see what the API shows."""
        return self.annotate(
            eff_is_recommended=Coalesce("staff_is_recommended", "is_recommended"),
            eff_safety_score=Coalesce("staff_safety_score", "safety_score"),
        )
