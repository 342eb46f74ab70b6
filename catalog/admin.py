"""Catalog admin, the staff's home: synced values read-only, overrides editable beside them, bulk curation."""

from decimal import InvalidOperation

from django.contrib import admin, messages
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from catalog import admin_tokens  # noqa: F401  registers FeedTokenAdmin (admin autodiscovery imports this module)
from catalog.admin_forms import (
    CapabilityFilter,
    LinkInline,
    LLMModelForm,
    RecommendedFilter,
    SafetyScoreForm,
)
from catalog.cards import card_rows
from catalog.entries import STAFF_SHOWN, decimal_text, detail_entry
from catalog.models import LIFECYCLE_FIELDS, STAFF_FIELDS, SYNCED_FIELDS, LLMModel, ModelLink
from catalog.retirements import effective_retirement
from catalog.services import links_curate, llm_model_curate, llm_models_override

DETAIL_EXTRA = ("details", "staff_description")

admin.site.site_header = "modelsync"
admin.site.site_title = "modelsync"
admin.site.index_title = "Catalog and sync"
# The model list is a wide table (prices, context, capabilities): its width matters more than the app menu, which
# the breadcrumbs and the index page already give.
admin.site.enable_nav_sidebar = False

# Shown field -> the override that replaces it (as the API has them), shown side by side on the model page.
OVERRIDDEN = {
    **STAFF_SHOWN,
    "description": "staff_description",
    "pricing": None,  # the price the gateway states is what the team pays: no override
}
HISTORY_LIMIT = 50
# Every synced field but the ones shown elsewhere on the page (model at the top, overridden ones side by side).
SHOWN_SYNCED_FIELDS = tuple(f for f in SYNCED_FIELDS if f not in ("model", "content_hash", *OVERRIDDEN))
PRICE_COLUMNS = ("pricing_status", "input_cost_per_mtok", "output_cost_per_mtok")


def _per_mtok(value) -> str:
    """$ per million tokens from a price (a Decimal, or the text a linked record keeps)."""
    return "—" if value is None else f"${decimal_text(value)}"


def _price_cell(obj: LLMModel, value):
    """The price in $ per million tokens, or the pricing status (unknown, variable, free) in both columns alike."""
    if obj.pricing_status == "known":
        return _per_mtok(value)
    return format_html('<span class="ms-muted">{}</span>', obj.pricing_status)


def _pricing_text(status: str, input_price, output_price) -> str:
    """A price as staff read it: the status, and the prices ($/Mtok, decimals or their text) when known."""
    if status != "known":
        return status or ""
    prices = (_per_mtok(p) for p in (input_price, output_price))
    return "known: {} in / {} out per Mtok".format(*prices)


def _shown(value) -> str:
    """A value as staff read it on the model page: tags joined, flags in words, nothing as a dash."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return ", ".join(value) if isinstance(value, list | tuple) else str(value)


@admin.register(LLMModel)
class LLMModelAdmin(admin.ModelAdmin):
    form = LLMModelForm
    list_display = (
        "name_column",
        "source",
        "provider",
        "category",
        "input_price",
        "output_price",
        "context_column",
        "capability_badges",
        "status_column",
    )
    list_filter = (
        "source",
        "provider",
        "category",
        "is_active",
        RecommendedFilter,
        "is_free",
        ("api_key_available", admin.BooleanFieldListFilter),
        "is_hidden",
        CapabilityFilter,
    )
    search_fields = ("model", "display_name", "staff_display_name", "external_id")
    list_select_related = ("source",)
    list_per_page = 50
    ordering = ("model",)
    actions = ("publish", "hide", "mark_recommended", "unmark_recommended", "clear_recommended", "set_safety_score")
    inlines = (LinkInline,)
    raw_id_fields = ("staff_successor",)  # a picker over thousands of models, not a select of them all
    readonly_fields = (
        "source",
        "external_id",
        "model",
        "synced_vs_override",
        *SHOWN_SYNCED_FIELDS,
        *LIFECYCLE_FIELDS,
        "first_seen_at",
        "popularity",
        "price_card_table",
        "change_history",
        "retirement",
    )
    fieldsets = (
        (None, {"fields": ("source", "external_id", "model", "is_active", "deactivated_at")}),
        ("Staff overrides (a sync never changes these)", {"fields": ("synced_vs_override", *STAFF_FIELDS)}),
        ("Retirement", {"fields": ("retirement",)}),
        ("Price card", {"fields": ("price_card_table",)}),
        ("Synced from upstream", {"fields": SHOWN_SYNCED_FIELDS, "classes": ("collapse",)}),
        ("Lifecycle", {"fields": ("first_seen_at", "last_seen_at", "consecutive_misses", "popularity")}),
        ("Change history", {"fields": ("change_history",)}),
    )

    # --- Columns --------------------------------------------------------------------------
    @admin.display(description="model", ordering="model")
    def name_column(self, obj: LLMModel):
        return format_html("<strong>{}</strong><br><code>{}</code>", obj.effective_display_name, obj.model)

    @admin.display(description="input $/Mtok", ordering="input_cost_per_mtok")
    def input_price(self, obj: LLMModel):
        return _price_cell(obj, obj.input_cost_per_mtok)

    @admin.display(description="output $/Mtok", ordering="output_cost_per_mtok")
    def output_price(self, obj: LLMModel):
        return _price_cell(obj, obj.output_cost_per_mtok)

    @admin.display(description="context", ordering="context_window")
    def context_column(self, obj: LLMModel) -> str:
        return f"{obj.context_window:,}" if obj.context_window else "—"

    @admin.display(description="capabilities")
    def capability_badges(self, obj: LLMModel):
        return format_html_join(
            " ", '<span class="ms-badge">{}</span>', ((name.replace("_", " "),) for name in obj.capabilities)
        )

    @admin.display(description="status")
    def status_column(self, obj: LLMModel):
        if not obj.is_active:
            return format_html('<span class="ms-status ms-off">{}</span>', "inactive")
        if obj.is_hidden:
            return format_html('<span class="ms-status ms-hidden">{}</span>', "hidden")
        star = " ★" if obj.effective_is_recommended else ""
        return format_html('<span class="ms-status ms-on">published{}</span>', star)

    # --- Model page -----------------------------------------------------------------------
    @admin.display(description="Each shown value and where it comes from")
    def synced_vs_override(self, obj: LLMModel):
        row = LLMModel.objects.filter(pk=obj.pk).with_effective_values().entry_rows(*DETAIL_EXTRA).first()
        if row is None:
            return "—"
        entry = detail_entry(row)
        rows = [
            (name.replace("_", " "), _synced(obj, name), _linked(obj, name),
             _shown(getattr(obj, override)) if override else "", _shown_entry(entry, name), entry["provenance"][name])
            for name, override in OVERRIDDEN.items()
        ]  # fmt: skip
        return render_to_string("admin/catalog/llmmodel/synced_vs_override.html", {"rows": rows})

    @admin.display(description="Every price, as the API shows it (linked over the source's own)")
    def price_card_table(self, obj: LLMModel):
        row = LLMModel.objects.filter(pk=obj.pk).with_effective_values().entry_rows(*DETAIL_EXTRA).first()
        rows = card_rows(detail_entry(row)["price_card"]) if row else []
        return render_to_string("admin/catalog/llmmodel/price_card.html", {"rows": rows})

    @admin.display(description="Retirement in force (staff's date, else the source's, else a linked record's)")
    def retirement(self, obj: LLMModel):
        found = effective_retirement(obj) if obj.pk else None
        if found is None:
            return "No retirement date: none set by staff, stated by the source or by a linked record."
        successor = found.successor
        move_to = f"{successor.model} ({successor.chosen_by}: {'; '.join(successor.reasons)})" if successor else "—"
        return format_html("{} — from {}<br>Successor: {}", found.date.isoformat(), found.provenance, move_to)

    @admin.display(description="Changes made by syncs (newest first)")
    def change_history(self, obj: LLMModel):
        if obj.pk is None:
            return "—"
        changes = obj.changes.select_related("run").order_by("-created_at", "-id")[:HISTORY_LIMIT]
        return render_to_string("admin/catalog/llmmodel/change_history.html", {"changes": changes})

    def save_model(self, request, obj, form, change):
        llm_model_curate(llm_model=obj, changed_fields=form.changed_data, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is ModelLink:
            links_curate(formset=formset, llm_model=form.instance, actor=request.user)
        else:
            super().save_formset(request, form, formset, change)

    def has_add_permission(self, request):
        return False  # models come from sources, never typed in

    def has_delete_permission(self, request, obj=None):
        return False  # never delete: deactivation keeps history and references intact

    # --- Bulk curation --------------------------------------------------------------------
    def _override(self, request, queryset, verb: str, **overrides):
        models = list(queryset)
        count = llm_models_override(queryset=queryset, actor=request.user, **overrides)
        # Bulk updates skip the admin's own history: record who set what on each model ("History" on its page).
        labels = sorted(capfirst(LLMModel._meta.get_field(name).verbose_name) for name in overrides)
        for model in models:
            self.log_change(request, model, [{"changed": {"fields": labels}}])
        self.message_user(request, f"{verb} {count} model{'s' if count != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Publish selected models", permissions=["change"])
    def publish(self, request, queryset):
        self._override(request, queryset, "Published", is_hidden=False)

    @admin.action(description="Hide selected models", permissions=["change"])
    def hide(self, request, queryset):
        self._override(request, queryset, "Hid", is_hidden=True)

    @admin.action(description="Mark selected as recommended", permissions=["change"])
    def mark_recommended(self, request, queryset):
        self._override(request, queryset, "Marked recommended", staff_is_recommended=True)

    @admin.action(description="Mark selected as not recommended", permissions=["change"])
    def unmark_recommended(self, request, queryset):
        self._override(request, queryset, "Marked not recommended", staff_is_recommended=False)

    @admin.action(description="Use the synced recommended flag again", permissions=["change"])
    def clear_recommended(self, request, queryset):
        self._override(request, queryset, "Cleared the recommended override on", staff_is_recommended=None)

    @admin.action(description="Set safety score…", permissions=["change"])
    def set_safety_score(self, request, queryset):
        form = SafetyScoreForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                score = form.cleaned_data["score"]
                self._override(request, queryset, "Set the safety score of", staff_safety_score=score)
            except (ValueError, InvalidOperation) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Set safety score",
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/catalog/llmmodel/set_safety_score.html", context)

    class Media:
        css = {"all": ("catalog/admin.css",)}


def _synced(obj: LLMModel, name: str) -> str:
    """What the model's own source states."""
    if name == "pricing":
        return _pricing_text(*(getattr(obj, column) for column in PRICE_COLUMNS))
    if name == "description":
        return obj.details.get("description", "") if isinstance(obj.details, dict) else ""
    return _shown(getattr(obj, name))


def _linked(obj: LLMModel, name: str) -> str:
    """What a linked record supplies (only where the source states nothing), with the record's source."""
    facts = obj.enrichment or {}
    if name == "pricing":
        fact = facts.get("pricing_status")
        value = _pricing_text(*(facts[column]["value"] for column in PRICE_COLUMNS)) if fact else ""
    else:
        fact = facts.get(name)
        value = _shown(fact["value"]) if fact else ""
    return f"{value} (from {fact['from']})" if fact else ""


def _shown_entry(entry: dict, name: str) -> str:
    if name == "pricing":
        return _pricing_text(*(entry["pricing"][key] for key in ("status", "input_per_mtok", "output_per_mtok")))
    return _shown(entry[name])
