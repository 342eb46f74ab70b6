"""Chainable read helpers for the catalog."""

from django.db import models
from django.db.models import CharField, DecimalField, IntegerField, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, NullIf

PRICE = DecimalField(max_digits=20, decimal_places=9)
# What catalog.entries.llm_model_entry() reads, besides the effective values below.
ENTRY_FIELDS = (
    "id", "model", "provider", "category", "capabilities", "context_window", "max_output_tokens", "pricing_status",
    "input_cost_per_mtok", "output_cost_per_mtok", "price_card", "is_free", "requires_api_key", "api_key_available",
    "is_active",
    "popularity", "first_seen_at", "last_seen_at", "deactivated_at", "source__name", "source__last_success_at",
    "source__kind", "source__base_url", "source__is_callable", "source__api_key_env",
    "enrichment", "staff_display_name", "staff_tags", "staff_is_recommended", "staff_safety_score",
    "staff_capabilities", "staff_context_window", "staff_max_output_tokens",
)  # fmt: skip


def _linked(name: str, output_field):
    """A fact's value from the row's enrichment (modelsync.linking.refresh), typed as the column it stands in for."""
    return Cast(KT(f"enrichment__{name}__value"), output_field)


class LLMModelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible(self):
        """What the API offers: active, not hidden by staff, from a source that is on."""
        return self.filter(is_active=True, is_hidden=False).offered()

    def offered(self):
        """Models of enabled sources: a disabled source (the retired static demo among them) offers nothing."""
        return self.filter(source__enabled=True)

    def callable(self):
        """What some configured gateway can route: not the records of a descriptive source (the cost map)."""
        return self.filter(source__is_callable=True)

    def with_capability(self, name: str):
        # JSON-text containment works on SQLite and PostgreSQL alike; the quotes anchor the whole value. The shown
        # capabilities are the staff's when set, else the source's, else a linked record's (set only when the
        # source states none).
        quoted = f'"{name}"'
        stated = Q(capabilities__icontains=quoted) | Q(enrichment__capabilities__value__icontains=quoted)
        return self.filter(Q(staff_capabilities__icontains=quoted) | Q(staff_capabilities__isnull=True) & stated)

    def with_effective_values(self):
        """Annotate the staff-overridden values so filters and ordering see what the API shows."""
        return self.annotate(
            eff_display_name=Coalesce(NullIf("staff_display_name", Value("")), "display_name"),
            eff_tags=Coalesce("staff_tags", "tags"),
            eff_is_recommended=Coalesce("staff_is_recommended", "is_recommended"),
            eff_safety_score=Coalesce("staff_safety_score", "safety_score"),
            # What the source leaves empty, a linked record may fill (filters and ordering see the shown value).
            eff_context_window=Coalesce(
                "staff_context_window", "context_window", _linked("context_window", IntegerField())
            ),
            eff_pricing_status=Coalesce(
                KT("enrichment__pricing_status__value"), "pricing_status", output_field=CharField()
            ),
            eff_input_cost_per_mtok=Coalesce("input_cost_per_mtok", _linked("input_cost_per_mtok", PRICE)),
            eff_output_cost_per_mtok=Coalesce("output_cost_per_mtok", _linked("output_cost_per_mtok", PRICE)),
        )

    def entry_rows(self, *extra: str):
        """Plain dicts of what the API shows (after with_effective_values): a page builds no model instances, which
        took half the time of an uncached list page (SPEC §9)."""
        shown = ("eff_display_name", "eff_tags", "eff_is_recommended", "eff_safety_score")
        return self.values(*ENTRY_FIELDS, *shown, *extra)
