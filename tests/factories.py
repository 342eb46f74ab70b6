"""factory_boy factories, one per model. Append new factories at the end."""

from decimal import Decimal

import factory
from django.utils import timezone

from catalog.models import LLMModel
from modelsync.models import Source, SyncRun


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"source-{n}")
    kind = Source.Kind.LITELLM
    base_url = "http://127.0.0.1:4000"
    api_key_env = "LITELLM_API_KEY"


class LLMModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LLMModel

    source = factory.SubFactory(SourceFactory)
    external_id = factory.Sequence(lambda n: f"vendor/model-{n}")
    model = factory.LazyAttribute(lambda o: o.external_id)
    display_name = factory.LazyAttribute(lambda o: o.external_id.split("/")[-1])
    provider = LLMModel.Provider.OPENAI
    category = LLMModel.Category.CHAT
    capabilities = factory.LazyFunction(lambda: ["function_calling"])
    context_window = 128_000
    max_output_tokens = 16_384
    pricing_status = LLMModel.PricingStatus.KNOWN
    input_cost_per_mtok = Decimal("0.15")
    output_cost_per_mtok = Decimal("0.60")
    api_key_available = True
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    source = factory.SubFactory(SourceFactory)
    trigger = SyncRun.Trigger.CLI
    status = SyncRun.Status.SUCCEEDED
