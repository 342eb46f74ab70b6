"""Webhook secret rotation (the old secret kept encrypted while it still signs) and an endpoint's model patterns.

Existing secrets are left as they are: one issued before Standard Webhooks (not base64 after `whsec_`) keeps signing
with the key it always had, its own bytes (modelsync.changes.signing), until staff rotate it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('modelsync', '0008_source_disabled_reason'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhookendpoint',
            name='model_patterns',
            field=models.JSONField(blank=True, default=list, help_text='Model names or glob patterns; none = all.'),
        ),
        migrations.AddField(
            model_name='webhookendpoint',
            name='previous_secret_encrypted',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='webhookendpoint',
            name='previous_secret_until',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
