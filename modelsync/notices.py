"""RetirementNotice: the warnings already sent, one row per model, lead time and retirement date (data only).

The unique row is what makes `model.retiring` / `model.retired` go out once, across restarts, replicas and a beat
that fires twice: a warning is sent only by the transaction whose INSERT of its row took effect
(modelsync.changes.retirements). Kept apart from modelsync.models, which it is imported by (the app's models).
"""

from django.db import models


class RetirementNotice(models.Model):
    """`lead_days` before `retirement_date`, `llm_model`'s warning was sent (0: the `model.retired` on the day)."""

    llm_model = models.ForeignKey("catalog.LLMModel", on_delete=models.CASCADE, related_name="retirement_notices")
    lead_days = models.PositiveSmallIntegerField()
    retirement_date = models.DateField(help_text="The date warned about: a moved date is warned about afresh.")
    # Which run inserted the row: a run sends the events of the rows it inserted, never of another's.
    claim = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["llm_model", "lead_days", "retirement_date"], name="retirementnotice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.llm_model_id}: {self.lead_days} days before {self.retirement_date}"
