"""Source.disabled_reason, and the bundled static source retired on installs that already have a real source."""

from django.db import migrations, models
from django.db.models import F
from django.utils import timezone

REASON = (
    "Turned off when the source {added!r} was added: the bundled demo catalog is not a gateway and no model "
    "in it can be called. Staff may enable it again."
)


def retire_static_beside_real_sources(apps, schema_editor):
    """What modelsync.sync.sources.static_sources_retire() does from now on, applied once to what already exists."""
    Source = apps.get_model("modelsync", "Source")
    CatalogState = apps.get_model("catalog", "CatalogState")
    other = Source.objects.exclude(kind="static").order_by("created_at", "id").first()
    static = Source.objects.filter(kind="static", base_url="", enabled=True)  # the bundled demo catalog
    if other is None or not static.exists():
        return
    static.update(enabled=False, disabled_reason=REASON.format(added=other.name))
    now = timezone.now()  # catalog.services.catalog_version_bump(), as it was when this was written
    if not CatalogState.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now):
        CatalogState.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})


class Migration(migrations.Migration):
    dependencies = [
        ("modelsync", "0007_webhook_endpoint_callable_only"),
        ("catalog", "0004_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="source",
            name="disabled_reason",
            field=models.CharField(
                blank=True,
                help_text="Why modelsync turned this source off by itself; cleared when staff enable it again.",
                max_length=255,
            ),
        ),
        migrations.RunPython(retire_static_beside_real_sources, migrations.RunPython.noop),
    ]
