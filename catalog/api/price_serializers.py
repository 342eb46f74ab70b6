"""API shapes of a price card (whole on the detail, compact in the list) and of a quote (issue #28)."""

from __future__ import annotations

from rest_framework import serializers

from catalog.pricing import SERVICE_TIERS


class UnitPriceSerializer(serializers.Serializer):
    price = serializers.CharField(help_text="USD per unit (token, image, search, request, second, character), exact.")
    per_mtok = serializers.CharField(allow_null=True, help_text="USD per million tokens for a token unit, exact.")
    provenance = serializers.CharField(required=False, help_text="The source that stated this price.")
    range = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="[min, max] across a group's deployments."
    )


class TierSerializer(serializers.Serializer):
    threshold = serializers.IntegerField(help_text="Prompt tokens; once crossed these prices bill the whole request.")
    inclusive = serializers.BooleanField(help_text="Whether a prompt of exactly `threshold` tokens crosses it.")
    prices = serializers.DictField(child=UnitPriceSerializer())


class WindowSerializer(serializers.Serializer):
    label = serializers.CharField()
    spans = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    weekdays = serializers.ListField(child=serializers.IntegerField())
    weekday_timezone = serializers.CharField()
    prices = serializers.DictField(child=UnitPriceSerializer())


class ServiceTierSerializer(serializers.Serializer):
    prices = serializers.DictField(child=UnitPriceSerializer())
    tiers = TierSerializer(many=True)


class PriceCardSerializer(serializers.Serializer):
    """The whole effective card (detail)."""

    prices = serializers.DictField(child=UnitPriceSerializer(), help_text="Base price per unit.")
    tiers = TierSerializer(many=True)
    windows = WindowSerializer(many=True)
    service_tiers = serializers.DictField(child=ServiceTierSerializer())


class CompactPriceCardSerializer(serializers.Serializer):
    """The effective card in the list: base price per unit and which conditions exist."""

    prices = serializers.DictField(child=serializers.CharField(), help_text="USD per unit, exact.")
    tiers = serializers.ListField(child=serializers.IntegerField(), help_text="Long-context tier thresholds.")
    windows = serializers.ListField(child=serializers.CharField(), help_text="Time-of-day windows (UTC).")
    service_tiers = serializers.ListField(child=serializers.ChoiceField(choices=SERVICE_TIERS))


class CostLineSerializer(serializers.Serializer):
    unit = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField(help_text="USD per unit, exact.")
    cost = serializers.CharField(help_text="USD, exact.")
    priced_as = serializers.CharField(help_text="The unit whose price billed it (its nearest priced whole).")


class QuoteSerializer(serializers.Serializer):
    total_cost = serializers.CharField(help_text="USD, exact decimal text.")
    input_cost = serializers.CharField()
    output_cost = serializers.CharField()
    lines = CostLineSerializer(many=True)
    tier = serializers.IntegerField(allow_null=True, help_text="The long-context tier applied (its threshold).")
    window = serializers.CharField(allow_null=True, help_text="The time-of-day window applied.")
    service_tier = serializers.ChoiceField(choices=SERVICE_TIERS)
    complete = serializers.BooleanField(help_text="false: a unit used has no price; the warnings name it.")
    warnings = serializers.ListField(child=serializers.CharField())


class CostSerializer(QuoteSerializer):
    model = serializers.CharField()
    usage = serializers.DictField(help_text="The usage priced, defaults filled in.")
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    currency = serializers.CharField()
