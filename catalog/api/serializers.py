"""API shapes: the catalog entry of SPEC §5 (built by catalog.entries), selection requests/answers, cost quotes. One
serializer per shape."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.validators import RegexValidator
from django.db.models import F
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.price_serializers import (
    CompactPriceCardSerializer,
    PriceCardSerializer,
    QuoteSerializer,
)
from catalog.candidates import NOT_CALLABLE, STRATEGIES
from catalog.entries import detail_entry, llm_model_entry
from catalog.models import LLMModel
from catalog.pricing import SERVICE_TIERS

MAX_TOKENS = 10**9
DECIMAL_TEXT = re.compile(r"^\d{1,11}(\.\d{1,9})?$")
NO_NUL = r"^[^\u0000]*$"  # DRF and Django's form fields refuse NUL characters in text; the schema's pattern says so
NOT_CALLABLE_REASONS = tuple(NOT_CALLABLE)


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
    price_card = CompactPriceCardSerializer(allow_null=True, help_text="null: no price a cost can be computed from.")
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


class LinkSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="The descriptive source the linked record belongs to.")
    external_id = serializers.CharField(help_text="The linked record's id there.")
    status = serializers.CharField(help_text="auto, or confirmed by staff.")
    method = serializers.CharField(help_text="How it was matched: exact, normalized, dated, variant (or staff).")


class LLMModelDetailSerializer(LLMModelSerializer):
    price_card = PriceCardSerializer(allow_null=True, help_text="The whole effective card; null: none.")
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


USAGE_COUNTS = (
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens",
    "reasoning_tokens", "input_audio_tokens", "output_audio_tokens", "input_images", "output_images", "web_searches",
)  # fmt: skip
USAGE_FIELDS = (*USAGE_COUNTS, "requests", "service_tier", "at")


class CostQuerySerializer(StrictSerializer):
    """A request's usage, in the names of issue #28 (catalog.pricing.Usage checks parts against wholes)."""

    input_tokens = _tokens(default=0, help_text="The whole prompt: cached, cache-written and audio tokens included.")
    output_tokens = _tokens(default=0, help_text="The whole completion: reasoning and audio tokens included.")
    cache_read_tokens = _tokens(default=0)
    cache_write_tokens = _tokens(default=0, help_text="Written to a 5-minute cache.")
    cache_write_1h_tokens = _tokens(default=0, help_text="Written to a 1-hour cache.")
    reasoning_tokens = _tokens(default=0)
    input_audio_tokens = _tokens(default=0)
    output_audio_tokens = _tokens(default=0)
    input_images = _tokens(default=0)
    output_images = _tokens(default=0)
    web_searches = _tokens(default=0)
    requests = _tokens(default=1)
    service_tier = serializers.ChoiceField(choices=SERVICE_TIERS, default="standard")
    at = serializers.DateTimeField(required=False, help_text="When the request runs (ISO-8601); default now.")

    @classmethod
    def from_query(cls, query) -> CostQuerySerializer:
        """Bound to a request's query; a parameter sent twice is a 400 (QueryDict.dict() would keep the last)."""
        if repeated := sorted(name for name, values in query.lists() if len(values) > 1):
            raise serializers.ValidationError({name: ["Give this parameter once."] for name in repeated[:20]})
        return cls(data=query.dict())


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
    cache_read_tokens = _whole(required=False)
    cache_write_tokens = _whole(required=False)
    cache_write_1h_tokens = _whole(required=False)
    reasoning_tokens = _whole(required=False)
    input_audio_tokens = _whole(required=False)
    output_audio_tokens = _whole(required=False)
    input_images = _whole(required=False)
    output_images = _whole(required=False)
    web_searches = _whole(required=False)
    requests = _whole(required=False)
    service_tier = serializers.ChoiceField(choices=SERVICE_TIERS, required=False)
    at = serializers.DateTimeField(required=False)
    callable_only = FlagField(
        required=False,
        default=True,
        help_text="Default true: only models the team can call. false: every model, each saying whether it can be "
        "called and why not.",
    )


class EstimatedCostSerializer(QuoteSerializer):
    """The stated usage's quote on this model (the cost endpoint's calculator)."""


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
    price_card = PriceCardSerializer(allow_null=True, help_text="The whole price card then (null: none).")
    run = serializers.IntegerField(help_text="The sync run that set this price.")
    effective_at = serializers.DateTimeField()


class PriceHistorySerializer(serializers.Serializer):
    model = serializers.CharField()
    prices = PriceSerializer(many=True, help_text="Newest first; the first entry is the current price.")
