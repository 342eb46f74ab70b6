"""The catalog admin's forms, list filters and the links inline: how staff type overrides and links."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Q

from catalog.models import STAFF_FIELDS, LLMModel, ModelLink


class CapabilityFilter(admin.SimpleListFilter):
    title = "capability"
    parameter_name = "capability"

    def lookups(self, request, model_admin):
        return LLMModel.Capability.choices

    def queryset(self, request, queryset):
        return queryset.with_capability(self.value()) if self.value() else queryset


class RecommendedFilter(admin.SimpleListFilter):
    """Filters on what the API shows: the staff override when set, else the synced flag."""

    title = "recommended"
    parameter_name = "recommended"

    def lookups(self, request, model_admin):
        return (("1", "Yes"), ("0", "No"))

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        value = self.value() == "1"
        return queryset.filter(Q(staff_is_recommended=value) | Q(staff_is_recommended=None, is_recommended=value))


class TagsField(forms.CharField):
    """Staff tags as comma-separated words; left empty, the override is not set and the synced tags show."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else (value or "")

    def to_python(self, value):
        return [tag.strip() for tag in super().to_python(value).split(",") if tag.strip()] or None


class CapabilitiesField(TagsField):
    """Staff capabilities as comma-separated names from the catalog's list; empty leaves the override unset."""

    def to_python(self, value):
        names = super().to_python(value)
        unknown = sorted(set(names or ()) - set(LLMModel.Capability.values))
        if unknown:
            raise forms.ValidationError(
                f"Unknown capabilities: {', '.join(unknown)}. Use: {', '.join(LLMModel.Capability.values)}."
            )
        return sorted(set(names)) if names else None


class LLMModelForm(forms.ModelForm):
    staff_tags = TagsField(
        required=False, help_text="Comma-separated, e.g. team, approved. Replaces the synced tags; empty keeps them."
    )
    staff_capabilities = CapabilitiesField(
        required=False,
        help_text="Comma-separated, e.g. vision, function_calling. Replaces the source's and any linked record's.",
    )

    class Meta:
        model = LLMModel
        fields = STAFF_FIELDS  # everything else on the page is read-only


class SafetyScoreForm(forms.Form):
    score = forms.DecimalField(min_value=Decimal(0), max_value=Decimal(1), decimal_places=3, required=False)


class LinkForm(forms.ModelForm):
    """Staff pointing a link at another record confirm it: the matcher leaves it alone from then on."""

    class Meta:
        model = ModelLink
        fields = ("target", "status")

    def clean(self):
        cleaned = super().clean()
        if "target" in self.changed_data and cleaned.get("status") == ModelLink.Status.AUTO:
            cleaned["status"] = ModelLink.Status.CONFIRMED
        self.instance.status = cleaned.get("status", self.instance.status)
        if "target" in self.changed_data:
            self.instance.method, self.instance.matched_on = "staff", ""
        return cleaned


class LinkFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            target = form.cleaned_data.get("target") if form.cleaned_data else None
            if target is None or form.cleaned_data.get("DELETE"):
                continue
            if target.source_id in seen:
                raise forms.ValidationError(
                    f"One link per source: {target.source} is linked twice. Change the existing link instead."
                )
            seen[target.source_id] = form


class LinkInline(admin.TabularInline):
    """The records other sources keep of this model: confirm, point elsewhere (a record id) or break."""

    model = ModelLink
    fk_name = "llm_model"
    form = LinkForm
    formset = LinkFormSet
    extra = 0
    raw_id_fields = ("target",)
    fields = ("target", "target_source", "status", "method", "matched_on", "updated_at")
    readonly_fields = ("target_source", "method", "matched_on", "updated_at")
    verbose_name = "link to a descriptive record"
    verbose_name_plural = "Links to descriptive records (the matcher keeps 'auto' links current)"
