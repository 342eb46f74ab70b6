"""API shapes: the catalog entry of SPEC §5, selection requests/answers, cost quotes. One serializer per shape."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.validators import RegexValidator
from django.db.models import F
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import LLMModel
from catalog.selection import NOT_CALLABLE, STRATEGIES

MAX_TOKENS = 10**9
DECIMAL_TEXT = re.compile(r"^\d{1,11}(\.\d{1,9})?$")
NO_NUL = r"^[^\u0000]*$"  # DRF and Django's form fields refuse NUL characters in text; the schema's pattern says so


def decimal_text(value: Decimal | int | float | str | None) -> str | None:
    """A decimal as exact plain text ("0.15", "3", never "1.5E-7" or a float's binary tail), whatever the database
    answered: a Decimal (PostgreSQL; SQLite for a column), or an int, float or str where SQLite answers a number from
    inside JSON or an annotation. A float is read as Django's SQLite backend reads a DecimalField: to 15 significant
    digits, all a double holds, which gives back the decimal that was stored."""
    if value is None:
        return None
    if isinstance(value, float):
        value = f"{value:.15g}"
    return format((value if isinstance(value, Decimal) else Decimal(value)).normalize(), "f")


# Facts a staff override replaces here (the others are annotated by with_effective_values), by override column.
STAFF_FACTS = {"capabilities": "staff_capabilities", "context_window": "staff_context_window",
               "max_output_tokens": "staff_max_output_tokens"}  # fmt: skip
# Every shown field a staff override can replace, by the override's column.
STAFF_SHOWN = {"display_name": "staff_display_name", "tags": "staff_tags", "is_recommended": "staff_is_recommended",
               "safety_score": "staff_safety_score", **STAFF_FACTS}  # fmt: skip
PROVENANCE_FIELDS = (
    "display_name", "provider", "category", "tags", "capabilities", "context_window", "max_output_tokens", "pricing",
    "is_free", "requires_api_key", "api_key_available", "is_recommended", "safety_score",
)  # fmt: skip


NOT_CALLABLE_REASONS = tuple(NOT_CALLABLE)


def callability(*, source_kind: str, source_file: str, source_is_callable: bool, requires_api_key: bool,
                api_key_available: bool, api_key_env: str) -> tuple[bool, str | None]:  # fmt: skip
    """Whether the team can call the model, and if not why (a NOT_CALLABLE key), from what the sync recorded.

    api_key_available is the sync's reading of the key variable's presence (LiteLLM, OpenRouter); a descriptive
    source routes nothing; a static source without a file of its own reads the bundled demo catalog, a recorded list
    nothing is called through (one with its own file is judged by its key like any other).
    """
    if not source_is_callable:
        return False, "descriptive_only"
    if source_kind == "static" and not source_file:
        return False, "demo_catalog"
    if requires_api_key and not api_key_available:
        return False, "key_not_in_environment" if api_key_env else "no_api_key"
    return True, None


def entry_callability(entry: dict) -> tuple[bool, str | None]:
    """An API entry's callability; an entry saved before entries carried it (an older snapshot file) is judged from
    what it does carry: its source's name for the demo catalog, the key flags for the rest."""
    if "callable" in entry:
        return entry["callable"], entry["not_callable_reason"]
    if entry["source"] == "static":
        return False, "demo_catalog"
    if entry["requires_api_key"] and not entry["api_key_available"]:
        return False, "key_not_in_environment"
    return True, None


def _price_text(value: Decimal | str | None) -> str | None:
    return value if isinstance(value, str) else decimal_text(value)  # a linked price is stored as its text


def llm_model_entry(row: dict, *, provenance: bool = False) -> dict:
    """The catalog entry as the API shows it, from a row of LLMModel.objects.with_effective_values().entry_rows()
    (hand-built: this runs for every row of every list page). A fact the row's source leaves empty shows the
    value of a linked record (row["enrichment"], kept by modelsync.linking.refresh); with `provenance`, where each came
    from."""
    last_seen, source_seen = row["last_seen_at"], row["source__last_success_at"]
    if row["is_active"] and source_seen and source_seen > last_seen:
        last_seen = source_seen  # an unchanged row is not rewritten, but it was seen
    linked = row["enrichment"] or {}
    staff = {name: row[override] for name, override in STAFF_FACTS.items() if row[override] is not None}
    if linked or staff:  # staff over linked; linked facts exist only where the source states none
        row = {**row, **{name: fact["value"] for name, fact in linked.items()}, **staff}
    entry = {
        "id": row["id"],
        "source": row["source__name"],
        "model": row["model"],
        "provider": row["provider"],
        "display_name": row["eff_display_name"],
        "category": row["category"],
        "tags": list(row["eff_tags"]),
        "capabilities": list(row["capabilities"]),
        "context_window": row["context_window"],
        "max_output_tokens": row["max_output_tokens"],
        "pricing": {
            "status": row["pricing_status"],
            "input_per_mtok": _price_text(row["input_cost_per_mtok"]),
            "output_per_mtok": _price_text(row["output_cost_per_mtok"]),
        },
        "is_free": row["is_free"],
        "requires_api_key": row["requires_api_key"],
        "api_key_available": row["api_key_available"],
        **dict(zip(("callable", "not_callable_reason"), _row_callability(row), strict=True)),
        "is_active": row["is_active"],
        "is_recommended": row["eff_is_recommended"],
        "popularity": row["popularity"],
        "safety_score": decimal_text(row["eff_safety_score"]),
        "first_seen_at": row["first_seen_at"].isoformat(),
        "last_seen_at": last_seen.isoformat(),
        "deactivated_at": row["deactivated_at"].isoformat() if row["deactivated_at"] else None,
    }
    if provenance:
        entry["provenance"] = entry_provenance(row, linked)
    return entry


def _row_callability(row: dict) -> tuple[bool, str | None]:
    return callability(
        source_kind=row["source__kind"],
        source_file=row["source__base_url"],
        source_is_callable=row["source__is_callable"],
        requires_api_key=row["requires_api_key"],
        api_key_available=row["api_key_available"],
        api_key_env=row["source__api_key_env"],
    )


def entry_provenance(row: dict, linked: dict) -> dict[str, str]:
    """Where each shown field came from: `source` (the row's own), `linked:<source>` or `staff`."""
    said = dict.fromkeys(PROVENANCE_FIELDS, "source")
    for name, fact in linked.items():
        shown = "pricing" if name in ("pricing_status", "input_cost_per_mtok", "output_cost_per_mtok") else name
        said[shown] = f"linked:{fact['from']}"
    for name, override in STAFF_SHOWN.items():
        if row[override] not in (None, ""):
            said[name] = "staff"
    return said


class PricingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LLMModel.PricingStatus.choices)
    input_per_mtok = serializers.DecimalField(max_digits=20, decimal_places=9, allow_null=True, coerce_to_string=True)
    output_per_mtok = serializers.DecimalField(max_digits=20, decimal_places=9, allow_null=True, coerce_to_string=True)


class LLMModelSerializer(serializers.Serializer):
    """Declared for the schema; to_representation is llm_model_entry()."""

    id = serializers.IntegerField()
    source = serializers.CharField()
    model = serializers.CharField()
    provider = serializers.ChoiceField(choices=LLMModel.Provider.choices)
    display_name = serializers.CharField()
    category = serializers.ChoiceField(choices=LLMModel.Category.choices)
    tags = serializers.ListField(child=serializers.CharField())
    capabilities = serializers.ListField(child=serializers.ChoiceField(choices=LLMModel.Capability.choices))
    context_window = serializers.IntegerField(allow_null=True)
    max_output_tokens = serializers.IntegerField(allow_null=True)
    pricing = PricingSerializer()
    is_free = serializers.BooleanField()
    requires_api_key = serializers.BooleanField()
    api_key_available = serializers.BooleanField()
    callable = serializers.BooleanField(help_text="The team can call it through its source now.")
    not_callable_reason = serializers.ChoiceField(
        choices=NOT_CALLABLE_REASONS,
        allow_null=True,
        help_text="null when callable; demo_catalog: the bundled demo catalog; descriptive_only: its source only "
        "describes; no_api_key: it needs a key and its source names no key variable; key_not_in_environment: the "
        "source's key variable is not set",
    )
    is_active = serializers.BooleanField()
    is_recommended = serializers.BooleanField()
    popularity = serializers.IntegerField()
    safety_score = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    deactivated_at = serializers.DateTimeField(allow_null=True)
    provenance = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="With provenance=1 (always on the detail and selection): field -> source | linked:<source> | staff",
    )

    def to_representation(self, instance):
        return llm_model_entry(instance, provenance=self.context.get("provenance", False))


class ModelChangeEntrySerializer(serializers.Serializer):
    run = serializers.IntegerField(source="run_id")
    kind = serializers.CharField()
    changes = serializers.DictField()
    created_at = serializers.DateTimeField()


def _description(row: dict) -> tuple[str, str]:
    """(description, where it came from): staff's, else the source's, else a linked record's."""
    linked = (row["enrichment"] or {}).get("description")
    if row["staff_description"]:
        return row["staff_description"], "staff"
    if linked:
        return linked["value"], f"linked:{linked['from']}"
    return row["details"].get("description", ""), "source"


class LinkSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="The descriptive source the linked record belongs to.")
    external_id = serializers.CharField(help_text="The linked record's id there.")
    status = serializers.CharField(help_text="auto, or confirmed by staff.")
    method = serializers.CharField(help_text="How it was matched: exact, normalized, dated, variant (or staff).")


def detail_entry(row: dict) -> dict:
    """The entry with its description and full provenance, from entry_rows("details", "staff_description")."""
    entry = llm_model_entry(row, provenance=True)
    entry["description"], entry["provenance"]["description"] = _description(row)
    return entry


class LLMModelDetailSerializer(LLMModelSerializer):
    description = serializers.CharField(help_text="The staff's description, else the source's, else a linked one.")
    links = LinkSerializer(many=True)
    recent_changes = ModelChangeEntrySerializer(many=True)

    def to_representation(self, instance):
        model = LLMModel(pk=instance["id"])
        changes = model.changes.order_by("-created_at", "-id")[:20]
        links = (
            model.links.exclude(status="broken")
            .order_by("target_source__name")
            .values("status", "method", source=F("target_source__name"), external_id=F("target__external_id"))
        )
        return {
            **detail_entry(instance),
            "links": list(links),
            "recent_changes": ModelChangeEntrySerializer(changes, many=True).data,
        }


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not declare, so a typo is a 400, not a silently ignored requirement."""

    def to_internal_value(self, data):
        if isinstance(data, dict) and (unknown := sorted(set(data) - set(self.fields))):
            raise serializers.ValidationError({key: ["Unknown field."] for key in unknown[:20]})
        return super().to_internal_value(data)


class JSONTypeMixin:
    """Refuses values whose JSON type differs from the schema's ("5" for 5, 0 for "0"): no silent coercion."""

    json_types: tuple[type, ...] = ()

    def to_internal_value(self, data):
        if not isinstance(data, self.json_types) or (bool not in self.json_types and isinstance(data, bool)):
            raise serializers.ValidationError(f"Expected {' or '.join(t.__name__ for t in self.json_types)}.")
        return super().to_internal_value(data)


class TextField(JSONTypeMixin, serializers.CharField):
    json_types = (str,)

    def __init__(self, **kwargs):
        # Read as sent: trimmed, " " would be refused as blank and 70 characters around 60 accepted, which no schema
        # length or pattern can say (Python's whitespace is not JSON Schema's \s). A padded name matches nothing.
        super().__init__(trim_whitespace=False, **kwargs)
        # CharField refuses NUL already; as a validator it becomes the schema's pattern, beside the length limits.
        self.validators.append(RegexValidator(NO_NUL, message="Null characters are not allowed."))


class WholeNumberField(JSONTypeMixin, serializers.IntegerField):
    json_types = (int,)


class FlagField(JSONTypeMixin, serializers.BooleanField):
    json_types = (bool,)


def _tokens(**kwargs):
    return serializers.IntegerField(min_value=0, max_value=MAX_TOKENS, **kwargs)


@extend_schema_field({"type": "string", "pattern": DECIMAL_TEXT.pattern, "example": "2.5"})
class DecimalTextField(serializers.DecimalField):
    """A non-negative decimal sent as a JSON string ("2.5"): a JSON number would have passed through a float."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not DECIMAL_TEXT.match(data):
            self.fail("not_decimal_text")
        return super().to_internal_value(data)


DecimalTextField.default_error_messages = {
    **serializers.DecimalField.default_error_messages,
    "not_decimal_text": 'Send a non-negative decimal as a string, e.g. "2.5".',
}


@extend_schema_field({"oneOf": [{"type": "number", "minimum": 0, "maximum": 1},
                                 {"type": "string", "pattern": r"^(0(\.\d{1,20})?|1(\.0{1,20})?)$"}]})  # fmt: skip
class SafetyField(serializers.DecimalField):
    """A 0-1 score as a JSON number (the picker sends one) or a decimal string."""


def _whole(**kwargs):
    return WholeNumberField(min_value=0, max_value=MAX_TOKENS, **kwargs)


def _per_mtok(**kwargs):
    return DecimalTextField(max_digits=20, decimal_places=9, min_value=Decimal(0), **kwargs)


class CostQuerySerializer(StrictSerializer):
    input_tokens = _tokens(default=0)
    output_tokens = _tokens(default=0)

    @classmethod
    def from_query(cls, query) -> CostQuerySerializer:
        """Bound to a request's query; a parameter sent twice is a 400 (QueryDict.dict() would keep the last)."""
        if repeated := sorted(name for name, values in query.lists() if len(values) > 1):
            raise serializers.ValidationError({name: ["Give this parameter once."] for name in repeated[:20]})
        return cls(data=query.dict())


class CostSerializer(serializers.Serializer):
    model = serializers.CharField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    input_cost = serializers.CharField()
    output_cost = serializers.CharField()
    total_cost = serializers.CharField()
    currency = serializers.CharField()


class SelectionRequestSerializer(StrictSerializer):
    category = serializers.ChoiceField(choices=LLMModel.Category.choices, required=False)
    capabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=LLMModel.Capability.choices), required=False, max_length=10
    )
    min_context = _whole(required=False)
    min_output_tokens = _whole(required=False)
    max_input_cost = _per_mtok(required=False)
    max_output_cost = _per_mtok(required=False)
    free_only = FlagField(required=False, default=False)
    providers = serializers.ListField(child=TextField(min_length=1, max_length=64), required=False, max_length=50)
    exclude_providers = serializers.ListField(
        child=TextField(min_length=1, max_length=64), required=False, max_length=50
    )
    min_safety = SafetyField(max_digits=None, decimal_places=None, min_value=Decimal(0), max_value=Decimal(1),
                             required=False)  # fmt: skip
    preferred = serializers.ListField(child=TextField(min_length=1, max_length=512), required=False, max_length=20)
    strategy = serializers.ChoiceField(choices=STRATEGIES, default="balanced")
    fallbacks = WholeNumberField(min_value=0, max_value=10, default=3)
    input_tokens = _whole(required=False)
    output_tokens = _whole(required=False)
    callable_only = FlagField(
        required=False,
        default=True,
        help_text="Default true: only models the team can call. false: every model, each saying whether it can be "
        "called and why not.",
    )


class EstimatedCostSerializer(serializers.Serializer):
    input_cost = serializers.CharField()
    output_cost = serializers.CharField()
    total_cost = serializers.CharField()


class RankedModelSerializer(LLMModelSerializer):
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    estimated_cost = EstimatedCostSerializer(allow_null=True)


class SelectionSerializer(serializers.Serializer):
    selected = RankedModelSerializer(allow_null=True)
    fallbacks = RankedModelSerializer(many=True)
    eligible = serializers.IntegerField()
    considered = serializers.IntegerField()
    rejections = serializers.DictField(child=serializers.IntegerField())
    callable_only = serializers.BooleanField(help_text="Whether models that cannot be called were left out.")
    nothing_callable = serializers.BooleanField(
        help_text="True when only models that cannot be called would fit (or the catalog has none that can be)."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why the selection is what it is, when that needs saying."
    )
    stale = serializers.BooleanField()


class PriceSerializer(serializers.Serializer):
    input_cost_per_mtok = serializers.CharField(allow_null=True, help_text="USD per million input tokens, exact.")
    output_cost_per_mtok = serializers.CharField(allow_null=True, help_text="USD per million output tokens, exact.")
    run = serializers.IntegerField(help_text="The sync run that set this price.")
    effective_at = serializers.DateTimeField()


class PriceHistorySerializer(serializers.Serializer):
    model = serializers.CharField()
    prices = PriceSerializer(many=True, help_text="Newest first; the first entry is the current price.")
