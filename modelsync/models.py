"""Sources, sync runs and the per-model changes each run made."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from modelsync.notices import RetirementNotice  # noqa: F401  one of the app's models, apart to keep this one short

ENV_VAR_NAME = RegexValidator(
    r"^[A-Z][A-Z0-9_]{0,127}$",
    "Enter the *name* of an environment variable (e.g. LITELLM_API_KEY), never the key itself.",
)


def _patterns(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n,]", text) if line.strip()]


class Source(models.Model):
    """One upstream the catalog is pulled from; its key stays in the environment."""

    class Kind(models.TextChoices):
        LITELLM = "litellm", "LiteLLM proxy"
        OPENROUTER = "openrouter", "OpenRouter"
        OPENAI = "openai", "OpenAI-compatible"
        OLLAMA = "ollama", "Ollama"
        STATIC = "static", "Static snapshot"
        COSTMAP = "costmap", "LiteLLM cost map"

    # Kinds whose records describe models other sources route (modelsync.linking.match links to them).
    DESCRIPTIVE_KINDS = (Kind.OPENROUTER, Kind.COSTMAP)

    name = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    base_url = models.CharField(
        max_length=500,
        blank=True,
        help_text="Upstream base URL; for a static or cost map source, an optional JSON file path.",
    )
    api_key_env = models.CharField(
        "API key variable",
        max_length=128,
        blank=True,
        validators=[ENV_VAR_NAME],
        help_text="Name of the environment variable that holds the key. The key itself is never stored.",
    )
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True,
        help_text="Why modelsync turned this source off by itself; cleared when staff enable it again.")  # fmt: skip
    include_patterns = models.TextField(blank=True, help_text="Glob patterns on the model name, one per line.")
    exclude_patterns = models.TextField(blank=True, help_text="Glob patterns; an exclude wins over an include.")
    auto_publish = models.BooleanField(default=True, help_text="Offer new models at once; otherwise they start hidden.")
    is_callable = models.BooleanField("callable", default=True,
        help_text="Clients call models through this source. Off: its records only describe (enrich) other models.",
    )  # fmt: skip

    # Health, maintained by the sync service.
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("run_sync", "Can start a sync")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.COSTMAP and self.is_callable:
            raise ValidationError({"is_callable": "The cost map describes models; nothing is called through it."})
        if self.kind not in (self.Kind.STATIC, self.Kind.COSTMAP) and not self.base_url:
            raise ValidationError({"base_url": "A base URL is required for this kind of source."})
        if self.base_url and "@" in self.base_url.split("://", 1)[-1].split("/", 1)[0]:
            raise ValidationError({"base_url": "Put credentials in the API key variable, not in the URL."})

    @property
    def include_list(self) -> list[str]:
        return _patterns(self.include_patterns)

    @property
    def exclude_list(self) -> list[str]:
        return _patterns(self.exclude_patterns)

    @property
    def is_healthy(self) -> bool:
        return self.consecutive_failures < settings.MODELSYNC_UNHEALTHY_AFTER_FAILURES


class SyncRun(models.Model):
    """One pull of one source: what happened, what it counted, and why it stopped if it did."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        PARTIAL = "partial"
        FAILED = "failed"
        REFUSED = "refused"
        SKIPPED = "skipped"

    class Trigger(models.TextChoices):
        BEAT = "beat"
        ADMIN = "admin"
        API = "api"
        CLI = "cli"

    FINISHED = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.REFUSED, Status.SKIPPED)
    COUNTERS = ("seen", "created", "updated", "unchanged", "deactivated", "reactivated", "invalid")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dry_run = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    reactivated = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)

    error_kind = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True, help_text="Plain words; never a secret.")
    findings = models.JSONField(default=list, blank=True, help_text="Validation findings (capped).")
    plan = models.JSONField(default=dict, blank=True, help_text="The would-be plan of a refused or dry run.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["source", "-created_at"], name="syncrun_source_recent"),
            # Every sync looks for runs of its source left "running" by a killed worker: a handful among years.
            models.Index(fields=["source"], condition=models.Q(status="running"), name="syncrun_source_running"),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTERS}


class ModelChange(models.Model):
    """What one run did to one catalog entry; `changes` maps field -> [old, new]."""

    class Kind(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DEACTIVATED = "deactivated"
        REACTIVATED = "reactivated"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="changes")
    llm_model = models.ForeignKey("catalog.LLMModel", on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["llm_model", "-created_at"], name="modelchange_model_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.llm_model_id} in run {self.run_id}"


class SyncLease(models.Model):
    """The per-source run lock where no PostgreSQL advisory lock is available: a row with an expiry."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, primary_key=True, related_name="lease")
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source_id} held by {self.holder} until {self.expires_at:%H:%M:%S}"


class Event(models.Model):
    """One thing a consumer may want to hear about: a catalog change, a staff override, a failing source.

    Written in the transaction that made the change, after that transaction has locked the catalog version row,
    so ids are handed out in commit order and a consumer polling `id > last seen` never skips one.
    """

    class Type(models.TextChoices):
        MODEL_CREATED = "model.created"
        MODEL_UPDATED = "model.updated"
        MODEL_PRICE_CHANGED = "model.price_changed"
        MODEL_DEACTIVATED = "model.deactivated"
        MODEL_REACTIVATED = "model.reactivated"
        MODEL_EXPIRING = "model.expiring"
        MODEL_RETIRING = "model.retiring"
        MODEL_RETIRED = "model.retired"
        MODEL_CURATED = "model.curated"
        SOURCE_FAILING = "source.failing"

    type = models.CharField(max_length=32, choices=Type.choices)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    llm_model = models.ForeignKey(
        "catalog.LLMModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True, help_text="The model's name and field -> [old, new].")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["type", "-id"], name="event_type_recent"),
            models.Index(fields=["source", "-id"], name="event_source_recent"),
            models.Index(fields=["llm_model", "-id"], name="event_model_recent"),
            models.Index(fields=["created_at"], name="event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class WebhookEndpoint(models.Model):
    """A URL told about events; its signing secret (and the old one during a rotation) is kept only encrypted."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, help_text="Where events are POSTed; no redirects are followed.")
    event_types = models.JSONField(default=list, blank=True, help_text="Event types to send; none ticked = all.")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Only events of this source (a failing source, its models); empty = every source.",
    )  # fmt: skip
    model_patterns = models.JSONField(default=list, blank=True, help_text="Model names or glob patterns; none = all.")
    callable_only = models.BooleanField("callable models only", default=True,
        help_text="Events of models a gateway can route, and of sources. Untick to hear descriptive records' events "
        "too (the cost map's, OpenRouter's when it is descriptive-only): thousands at a time.")  # fmt: skip
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The outbox cursor: events up to this id have been considered for this endpoint (the newest at creation).
    last_event_id = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event (or a test) for one endpoint; `delivery_id` is the idempotency id every attempt carries."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    delivery_id = models.UUIDField(unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds a delivery until this time; a worker killed mid-send leaves it to expire and be sent again.
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="webhookdelivery_once")]
        indexes = [models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status}"
