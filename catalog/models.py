"""The catalog entry: synced fields, lifecycle fields and staff overrides kept apart."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.feedtoken import FeedToken  # noqa: F401  a model of this app, in its own module (under 300 lines)
from catalog.querysets import LLMModelQuerySet

PRICE = {"max_digits": 20, "decimal_places": 9, "null": True, "blank": True}
SCORE = {
    "max_digits": 4,
    "decimal_places": 3,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}


class LLMModel(models.Model):
    """One model a client can call through one source; identity is (source, external_id)."""

    class Provider(models.TextChoices):
        OPENAI = "openai"
        ANTHROPIC = "anthropic"
        GOOGLE = "google"
        MISTRAL = "mistral"
        META = "meta"
        COHERE = "cohere"
        DEEPSEEK = "deepseek"
        XAI = "xai", "xAI"
        AMAZON = "amazon"
        MICROSOFT = "microsoft"
        QWEN = "qwen"
        NVIDIA = "nvidia"
        PERPLEXITY = "perplexity"
        MOONSHOT = "moonshot"
        ZHIPU = "zhipu"
        MINIMAX = "minimax"
        OTHER = "other"

    class Category(models.TextChoices):
        CHAT = "chat"
        COMPLETION = "completion"
        EMBEDDING = "embedding"
        IMAGE_GENERATION = "image_generation"
        AUDIO_TRANSCRIPTION = "audio_transcription"
        AUDIO_SPEECH = "audio_speech"
        RERANK = "rerank"
        MODERATION = "moderation"
        OTHER = "other"

    class Capability(models.TextChoices):
        VISION = "vision"
        FUNCTION_CALLING = "function_calling"
        PARALLEL_FUNCTION_CALLING = "parallel_function_calling"
        JSON_SCHEMA = "json_schema"
        REASONING = "reasoning"
        PROMPT_CACHING = "prompt_caching"
        AUDIO_INPUT = "audio_input"
        AUDIO_OUTPUT = "audio_output"
        WEB_SEARCH = "web_search"
        PDF_INPUT = "pdf_input"

    class PricingStatus(models.TextChoices):
        KNOWN = "known"
        FREE = "free"
        VARIABLE = "variable"
        UNKNOWN = "unknown"

    # Identity.
    source = models.ForeignKey("modelsync.Source", on_delete=models.PROTECT, related_name="llm_models")
    external_id = models.CharField(max_length=512, help_text="The upstream id; may hold '/' and ':'.")

    # Synced fields: written only by the sync's apply step (see SYNCED_FIELDS).
    model = models.CharField(max_length=512, help_text="The name a client sends to the gateway.")
    provider = models.CharField(max_length=32, choices=Provider.choices, default=Provider.OTHER)
    provider_raw = models.CharField(max_length=128, blank=True)
    upstream_providers = models.JSONField(default=list, blank=True)
    display_name = models.CharField(max_length=255)
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.OTHER)
    capabilities = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    context_window = models.PositiveIntegerField(null=True, blank=True)
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    pricing_status = models.CharField(max_length=16, choices=PricingStatus.choices, default=PricingStatus.UNKNOWN)
    input_cost_per_mtok = models.DecimalField(**PRICE)
    output_cost_per_mtok = models.DecimalField(**PRICE)
    is_free = models.BooleanField(default=False)
    requires_api_key = models.BooleanField(default=True)
    api_key_available = models.BooleanField(default=False)
    is_recommended = models.BooleanField(default=False, help_text="From upstream or recommended patterns.")
    safety_score = models.DecimalField(**SCORE, help_text="From upstream model_info, if numeric in 0-1.")
    is_wildcard = models.BooleanField(default=False, help_text="Expanded from a wildcard route.")
    is_alias = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="Allow-listed upstream metadata; no secrets.")
    # db_default: the sync's bulk INSERT names only the columns it writes.
    price_card = models.JSONField(
        default=dict,
        db_default=models.Value({}, output_field=models.JSONField()),
        blank=True,
        help_text="Every price the source states, exact (catalog.pricing card JSON).",
    )
    content_hash = models.CharField(max_length=64, help_text="sha256 of the normalized synced fields.")

    # Enrichment: values this row's source left empty, taken from linked records (modelsync.linking). Written only
    # by links_refresh(); {field: {"value": ..., "from": source name}}. The synced fields above stay as stated.
    enrichment = models.JSONField(default=dict, blank=True)
    enrichment_inputs = models.CharField(
        max_length=64, blank=True, help_text="sha256 of what the enrichment was computed from; equal = unchanged."
    )

    # Lifecycle: written by the sync.
    is_active = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    consecutive_misses = models.PositiveIntegerField(default=0)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    # Usage: selections served, flushed in batches (never a write per request).
    popularity = models.PositiveBigIntegerField(default=0)

    # Staff overrides: never in a sync's update list.
    is_hidden = models.BooleanField(default=False, help_text="Hidden models are not offered by the API.")
    staff_display_name = models.CharField(max_length=255, blank=True)
    staff_tags = models.JSONField(null=True, blank=True, help_text="Replaces the synced tags when set.")
    staff_is_recommended = models.BooleanField(null=True, blank=True)
    staff_safety_score = models.DecimalField(**SCORE)
    staff_notes = models.TextField(blank=True)
    # Staff overrides of facts a link may also supply; they win over the source and the link alike.
    staff_capabilities = models.JSONField(null=True, blank=True, help_text="Replaces the capabilities when set.")
    staff_context_window = models.PositiveIntegerField(null=True, blank=True)
    staff_max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    staff_description = models.TextField(blank=True)
    # Retirement: a date staff know (an announcement the sources do not carry yet) wins over any synced or linked
    # date; the successor is what warnings name instead of selection's pick (catalog.retirements).
    staff_retirement_date = models.DateField(
        null=True, blank=True, help_text="The day this model stops working; wins over the source's and linked dates."
    )
    staff_successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="What to move to when this model retires; empty = the model selection would choose.",
    )  # fmt: skip

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LLMModelQuerySet.as_manager()

    class Meta:
        verbose_name = "LLM model"
        ordering = ["source_id", "model"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="llmmodel_unique_source_external_id"),
            models.CheckConstraint(
                condition=models.Q(staff_safety_score__isnull=True)
                | models.Q(staff_safety_score__gte=0, staff_safety_score__lte=1),
                name="llmmodel_staff_safety_score_0_1",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "is_hidden", "category"], name="llmmodel_active_category"),
            models.Index(fields=["provider"], name="llmmodel_provider"),
            models.Index(fields=["model"], name="llmmodel_model"),
        ]

    def __str__(self) -> str:
        return self.effective_display_name

    def clean(self) -> None:
        if self.staff_successor_id is not None and self.staff_successor_id == self.pk:
            raise ValidationError({"staff_successor": "A model cannot succeed itself."})

    @property
    def effective_display_name(self) -> str:
        return self.staff_display_name or self.display_name

    @property
    def effective_tags(self) -> list[str]:
        return self.tags if self.staff_tags is None else self.staff_tags

    @property
    def effective_is_recommended(self) -> bool:
        return self.is_recommended if self.staff_is_recommended is None else self.staff_is_recommended

    @property
    def effective_safety_score(self):
        return self.safety_score if self.staff_safety_score is None else self.staff_safety_score


# The columns a sync may write on an existing row; staff overrides are deliberately absent.
SYNCED_FIELDS = (
    "model",
    "provider",
    "provider_raw",
    "upstream_providers",
    "display_name",
    "category",
    "capabilities",
    "tags",
    "context_window",
    "max_output_tokens",
    "pricing_status",
    "input_cost_per_mtok",
    "output_cost_per_mtok",
    "is_free",
    "requires_api_key",
    "api_key_available",
    "is_recommended",
    "safety_score",
    "is_wildcard",
    "is_alias",
    "expires_at",
    "details",
    "price_card",
    "content_hash",
)
LIFECYCLE_FIELDS = ("is_active", "last_seen_at", "consecutive_misses", "deactivated_at")
STAFF_FIELDS = (
    "is_hidden",
    "staff_display_name",
    "staff_tags",
    "staff_is_recommended",
    "staff_safety_score",
    "staff_notes",
    "staff_capabilities",
    "staff_context_window",
    "staff_max_output_tokens",
    "staff_description",
    "staff_retirement_date",
    "staff_successor",
)
LLM_MODEL_READONLY = (
    "source", "external_id", *SYNCED_FIELDS, *LIFECYCLE_FIELDS, "first_seen_at", "popularity", "enrichment",
    "enrichment_inputs",
)  # fmt: skip


class ModelLink(models.Model):
    """A callable catalog model <-> the record another source (OpenRouter, the cost map) keeps of the same model.

    The matcher keeps `auto` links current on every sync; staff may confirm one (or point it elsewhere), which the
    matcher then leaves alone, or break one, which keeps that pair unlinked for good.
    """

    class Status(models.TextChoices):
        AUTO = "auto", "matched automatically"
        CONFIRMED = "confirmed", "confirmed by staff"
        BROKEN = "broken", "broken by staff"

    llm_model = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="links")
    target_source = models.ForeignKey("modelsync.Source", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="linked_from")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AUTO)
    method = models.CharField(max_length=16, help_text="How the matcher found it: exact, normalized, dated, variant.")
    matched_on = models.CharField(max_length=512, blank=True, help_text="The route name the match was made from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["llm_model", "target_source"], name="modellink_one_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.llm_model_id} -> {self.target_id} ({self.status})"

    def clean(self) -> None:
        target = self.target if self.target_id else None
        if target is None:
            return
        if target.source.kind not in target.source.DESCRIPTIVE_KINDS:
            raise ValidationError({"target": "Link to a record of a descriptive source (OpenRouter, the cost map)."})
        if self.llm_model_id and target.source_id == self.llm_model.source_id:
            raise ValidationError({"target": "A model is not linked to a record of its own source."})
        self.target_source_id = target.source_id


class CatalogState(models.Model):
    """A single row whose `version` goes up whenever the visible catalog changes (ETags, selection cache)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="catalogstate_single_row")]

    def __str__(self) -> str:
        return f"catalog v{self.version}"
