"""Sources and sync history in admin: "Sync now" buttons and a "Sync selected" action call one trigger service."""

from datetime import datetime, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince, timeuntil
from django.views.decorators.http import require_POST
from django_celery_beat.models import PeriodicTask

from modelsync.models import ModelChange, Source, SyncRun
from modelsync.permissions import can_read_sync_runs, can_start_sync
from modelsync.schedule import SYNC_ALL_NAME
from modelsync.sync.connection import source_test_connection
from modelsync.sync.runs import BROKER_UNAVAILABLE, sync_requests
from modelsync.sync.sources import source_save

# Admin's "View site" link: the model picker (the site has no page at /).
admin.site.site_url = reverse_lazy("picker")


def _request_syncs(request, sources) -> list[SyncRun]:
    runs = sync_requests(sources=sources, trigger=SyncRun.Trigger.ADMIN, user=request.user)
    skipped = [run for run in runs if run.status == SyncRun.Status.SKIPPED]
    not_started = [run for run in runs if run.error_kind == BROKER_UNAVAILABLE]
    queued = len(runs) - len(skipped) - len(not_started)
    if queued:
        messages.success(request, f"Queued {queued} sync{'s' if queued != 1 else ''}.")
    for run in skipped:
        messages.warning(request, f"{run.source}: skipped, a sync is already in flight ({run.error_message}).")
    if not_started:
        names = ", ".join(str(run.source) for run in not_started)
        messages.error(request, f"{names}: not started, {not_started[0].error_message}. Recorded as a failed run, "
                                "which blocks nothing.")  # fmt: skip
    if not runs:
        messages.warning(request, "No enabled source to sync.")
    return runs


def _runs_page(runs: list[SyncRun]):
    """One run: its page; several: the run list filtered to them; none: back to the sources."""
    if len(runs) == 1:
        return redirect("admin:modelsync_syncrun_change", runs[0].pk)
    if not runs:
        return redirect("admin:modelsync_source_changelist")
    ids = ",".join(str(run.pk) for run in runs)
    return redirect(f"{reverse('admin:modelsync_syncrun_changelist')}?id__in={ids}")


def _when(moment: datetime | None) -> str:
    """A time in a narrow column: how long ago, or how soon ("3 minutes ago", "in 12 minutes"), the local date and
    time on hover; "-" for never."""
    if moment is None:
        return "-"
    now = timezone.now()
    if abs(moment - now) < timedelta(minutes=1):
        words = "now" if moment > now else "just now"
    else:
        words = f"in {timeuntil(moment, now, depth=1)}" if moment > now else f"{timesince(moment, now, depth=1)} ago"
    return format_html('<span title="{}">{}</span>', f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}", words)


def _sync_schedule() -> PeriodicTask | None:
    return PeriodicTask.objects.filter(name=SYNC_ALL_NAME, enabled=True).select_related("interval").first()


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    # Short labels and compact times, so every column fits a 1400 px window beside the filters.
    list_display = ("name", "kind", "base_url", "enabled", "callable", "last_run", "last_success", "failures",
                    "healthy", "next_run")  # fmt: skip
    list_filter = ("kind", "enabled")
    search_fields = ("name", "base_url")
    readonly_fields = ("last_run_at", "last_success_at", "consecutive_failures", "created_at", "updated_at",
                       "disabled_reason")  # fmt: skip
    actions = ("sync_selected",)

    change_form_template = "admin/modelsync/source/change_form.html"

    def save_model(self, request, obj, form, change):
        source_save(source=obj, changed_fields=form.changed_data)

    def get_urls(self):
        # POST only; admin_view sends anonymous and non-staff users to the login page.
        sync_all = self.admin_site.admin_view(require_POST(self.sync_all_view))
        test = self.admin_site.admin_view(require_POST(self.test_connection_view))
        return [
            path("sync-all/", sync_all, name="modelsync_source_sync_all"),
            path("<int:source_id>/test-connection/", test, name="modelsync_source_test_connection"),
            *super().get_urls(),
        ]

    def test_connection_view(self, request, source_id: int):
        source = self.get_object(request, str(source_id))
        if source is None or not self.has_change_permission(request, source):
            raise PermissionDenied
        for check in source_test_connection(source=source):
            level = messages.SUCCESS if check.ok else messages.ERROR
            messages.add_message(request, level, f"{check.name}: {check.detail}")
        return redirect("admin:modelsync_source_change", source.pk)

    def sync_all_view(self, request):
        if not self.has_run_sync_permission(request):
            raise PermissionDenied
        return _runs_page(_request_syncs(request, Source.objects.filter(enabled=True)))

    @admin.action(description="Sync selected sources", permissions=["run_sync"])
    def sync_selected(self, request, queryset):
        return _runs_page(_request_syncs(request, queryset))

    def has_run_sync_permission(self, request) -> bool:
        return can_start_sync(request.user)  # the API's rule too (modelsync.permissions)

    @admin.display(description="callable", boolean=True, ordering="is_callable")
    def callable(self, obj: Source) -> bool:
        return obj.is_callable

    @admin.display(description="last run", ordering="last_run_at")
    def last_run(self, obj: Source) -> str:
        return _when(obj.last_run_at)

    @admin.display(description="last success", ordering="last_success_at")
    def last_success(self, obj: Source) -> str:
        return _when(obj.last_success_at)

    @admin.display(description="failures", ordering="consecutive_failures")
    def failures(self, obj: Source) -> str:
        """Consecutive failed runs (the title says so; the header is short)."""
        return format_html('<span title="consecutive failed runs">{}</span>', obj.consecutive_failures)

    @admin.display(description="healthy", boolean=True)
    def healthy(self, obj: Source) -> bool:
        return obj.is_healthy

    def changelist_view(self, request, extra_context=None):
        # Why modelsync turned a source off, above the list (no column: the list is wide enough already).
        if request.method == "GET":
            self._say_why_off(request, Source.objects.all())
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":  # above the form, not only in its read-only field at the bottom
            self._say_why_off(request, Source.objects.filter(pk=object_id) if object_id.isdigit() else [])
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _say_why_off(request, sources) -> None:
        for source in sources:
            if not source.enabled and source.disabled_reason:
                messages.warning(request, f"The source '{source.name}' is off. {source.disabled_reason}")

    @admin.display(description="next scheduled")
    def next_run(self, obj: Source) -> str:
        task = _sync_schedule()
        if not (obj.enabled and task and task.interval):
            return "not scheduled"
        last = task.last_run_at or obj.last_run_at
        run_every = task.interval.schedule.run_every
        every = f"every {timesince(timezone.now() - run_every, depth=2)}"  # "every 15 minutes", not 900 seconds
        # Staff change the interval (or pause it) on django-celery-beat's own admin page for the task.
        link = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
        if not last:
            return format_html('<a href="{}" title="edit the schedule">{}</a>', link, every)
        next_at = _when(last + run_every)
        return format_html('<a href="{}" title="edit the schedule">{}</a><br>next {}', link, every, next_at)


PRICE_FIELDS = ("input_cost_per_mtok", "output_cost_per_mtok", "pricing_status")


class ModelChangeInline(admin.TabularInline):
    """The run's per-model changes, old → new per field; price changes stand out."""

    model = ModelChange
    fields = ("llm_model", "kind", "what_changed")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("llm_model")

    @admin.display(description="old → new")
    def what_changed(self, obj: ModelChange):
        rows = sorted(obj.changes.items(), key=lambda item: item[0] not in PRICE_FIELDS)
        return (
            format_html_join(
                "",
                '<div class="{}"><code>{}</code>: {} → {}</div>',
                (("ms-price" if name in PRICE_FIELDS else "", name, old, new) for name, (old, new) in rows),
            )
            or "—"
        )


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "trigger", "status", "created_at", "duration_ms", *SyncRun.COUNTERS, "error_kind")
    list_filter = ("status", "trigger", "source")
    list_select_related = ("source",)
    inlines = [ModelChangeInline]
    change_form_template = "admin/modelsync/syncrun/change_form.html"
    change_list_template = "admin/modelsync/syncrun/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def get_inlines(self, request, obj):
        # A run that changed nothing gets "No changes" in its summary (the template), not an empty table.
        return self.inlines if obj is not None and obj.changes.exists() else []

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened: read-only

    def has_view_permission(self, request, obj=None):
        return can_read_sync_runs(request.user)  # the API's rule too (modelsync.permissions)

    def has_module_permission(self, request):
        return can_read_sync_runs(request.user)

    def lookup_allowed(self, lookup, value, request=None):  # "Sync now" links to ?id__in=<the new runs>
        return lookup == "id__in" or super().lookup_allowed(lookup, value, request)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # the page refreshes itself while a run on it has not finished
            response.context_data["has_unfinished_runs"] = any(not run.is_finished for run in changelist.result_list)
        return response
