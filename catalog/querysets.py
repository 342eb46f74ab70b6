"""Chainable read helpers for the catalog."""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf

# What catalog.serializers.llm_model_entry() reads, besides the effective values below.
ENTRY_FIELDS = (
    "id", "model", "provider", "category", "capabilities", "context_window", "max_output_tokens", "pricing_status",
    "input_cost_per_mtok", "output_cost_per_mtok", "is_free", "requires_api_key", "api_key_available", "is_active",
    "popularity", "first_seen_at", "last_seen_at", "deactivated_at", "source__name", "source__last_success_at",
)  # fmt: skip


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
            eff_display_name=Coalesce(NullIf("staff_display_name", Value("")), "display_name"),
            eff_tags=Coalesce("staff_tags", "tags"),
            eff_is_recommended=Coalesce("staff_is_recommended", "is_recommended"),
            eff_safety_score=Coalesce("staff_safety_score", "safety_score"),
        )

    def entry_rows(self):
        """Plain dicts of what the API shows (after with_effective_values): a page builds no model instances, which
        took half the time of an uncached list page (SPEC §9)."""
        return self.values(*ENTRY_FIELDS, "eff_display_name", "eff_tags", "eff_is_recommended", "eff_safety_score")
