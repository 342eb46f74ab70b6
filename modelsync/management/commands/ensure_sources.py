"""Creates the sources the environment configures (or the bundled static one)."""

from django.core.management.base import BaseCommand

from modelsync.sync.sources import sources_ensure_from_env


class Command(BaseCommand):
    help = "Create or update sources from LITELLM_PROXY_URL / OPENROUTER_ENABLED; the static source when none."

    def handle(self, *args, **options):
        for source in sources_ensure_from_env():
            self.stdout.write(f"source {source.name} ({source.kind}) {source.base_url or 'bundled snapshot'}")
