"""`sync_models [--source NAME] [--dry-run] [--json]`: the sync service in the foreground (SPEC §6, contract)."""

import json

from django.core.management.base import BaseCommand, CommandError

from modelsync.models import Source, SyncRun
from modelsync.startup import startup_ensure
from modelsync.sync.pipeline import source_sync
from modelsync.sync.sources import source_missing_hint

OK_STATUSES = {SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.SKIPPED}


def run_summary(run: SyncRun) -> dict:
    """The contract's JSON object for one run: source, status, error_kind and the counters (plus run id, dry_run)."""
    return {"source": run.source.name, "run": run.pk, "status": run.status, "error_kind": run.error_kind,
            "dry_run": run.dry_run, **run.counters()}  # fmt: skip


class Command(BaseCommand):
    help = (
        "Sync the catalog from every enabled source (or one); exit 0 when every run succeeded, was partial or skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", help="the name of one source")
        parser.add_argument("--dry-run", action="store_true", help="show the plan; write nothing to the catalog")
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line of summaries")

    def handle(self, *args, source=None, dry_run=False, as_json=False, **options):
        startup_ensure(schedule=False)  # right after `migrate`, the environment's sources exist with no other step
        sources = Source.objects.filter(name=source) if source else Source.objects.filter(enabled=True)
        if source and not sources:
            known = ", ".join(Source.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no source named {source!r} (known: {known}); {source_missing_hint(source)}")
        runs = [source_sync(source=s, trigger=SyncRun.Trigger.CLI, dry_run=dry_run) for s in sources]
        for run in runs:
            self.stdout.write(self._line(run))
            if dry_run and run.plan:
                self.stdout.write(f"  plan: {json.dumps(run.plan, sort_keys=True)}")
        if as_json:
            summaries = [run_summary(run) for run in runs]
            self.stdout.write(json.dumps(summaries[0] if len(summaries) == 1 else summaries, sort_keys=True))
        if any(run.status not in OK_STATUSES for run in runs):
            raise SystemExit(1)

    @staticmethod
    def _line(run: SyncRun) -> str:
        counters = " ".join(f"{name}={value}" for name, value in run.counters().items())
        error = f" [{run.error_kind}] {run.error_message}" if run.error_kind else ""
        dry = " (dry run)" if run.dry_run else ""
        return f"{run.source.name}: {run.status}{dry} in {run.duration_ms} ms {counters}{error}"
