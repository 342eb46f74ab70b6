"""Staff API over the sync: history with per-model changes, a trigger, and per-source status."""

from __future__ import annotations

import django_filters
import django_filters.rest_framework
from django_celery_beat.models import PeriodicTask
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalog.api.errors import BrokerUnavailable, ErrorSerializer, error_body
from catalog.api.filters import NoEmptyValuesMixin
from catalog.api.pagination import CatalogPagination
from catalog.api.serializers import StrictSerializer
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.permissions import ReadsSyncRuns, StartsSyncs
from modelsync.schedule import SYNC_ALL_NAME
from modelsync.sync.runs import BROKER_UNAVAILABLE, sync_in_flight, sync_requests


class SyncRunSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name")

    class Meta:
        model = SyncRun
        fields = ("id", "source", "trigger", "status", "dry_run", "created_at", "started_at", "finished_at",
                  "duration_ms", *SyncRun.COUNTERS, "error_kind", "error_message")  # fmt: skip


class SyncRunChangeSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="llm_model.model")

    class Meta:
        model = ModelChange
        fields = ("llm_model", "model", "kind", "changes", "created_at")


class SyncRunDetailSerializer(SyncRunSerializer):
    changes = SyncRunChangeSerializer(many=True)

    class Meta(SyncRunSerializer.Meta):
        fields = (*SyncRunSerializer.Meta.fields, "findings", "plan", "changes")


class SyncRunFilter(NoEmptyValuesMixin, django_filters.FilterSet):
    source = django_filters.CharFilter(field_name="source__name", max_length=64)
    status = django_filters.ChoiceFilter(choices=SyncRun.Status.choices)
    trigger = django_filters.ChoiceFilter(choices=SyncRun.Trigger.choices)

    class Meta:
        model = SyncRun
        fields = []


STAFF_ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 503)}


@extend_schema_view(
    list=extend_schema(responses={200: SyncRunSerializer(many=True), **STAFF_ERRORS}),
    retrieve=extend_schema(responses={200: SyncRunDetailSerializer, **STAFF_ERRORS}),
)
class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Sync history, newest first; the detail lists what the run changed per model."""

    permission_classes = [ReadsSyncRuns]
    queryset = SyncRun.objects.select_related("source")
    pagination_class = CatalogPagination
    filterset_class = SyncRunFilter
    ordering_fields = ("created_at", "id", "duration_ms")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if self.action == "retrieve":
            return self.queryset.prefetch_related("changes__llm_model")
        return self.queryset

    def get_serializer_class(self):
        return SyncRunDetailSerializer if self.action == "retrieve" else SyncRunSerializer


class SyncTriggerSerializer(StrictSerializer):
    source = serializers.SlugField(required=False, max_length=64)


class SyncTriggerResponseSerializer(serializers.Serializer):
    runs = SyncRunSerializer(many=True)


class SyncConflictSerializer(ErrorSerializer):
    """409: every requested source already has a run in flight; the `skipped` runs recorded for this trigger."""

    runs = SyncRunSerializer(many=True)


class SyncNotStartedSerializer(ErrorSerializer):
    """503 `broker_unavailable`: the task broker could not take the sync, and `runs` has this trigger's runs, recorded
    `failed` (they block nothing: the next trigger once the broker is back runs). `database_unavailable`: no runs."""

    runs = SyncRunSerializer(many=True, required=False)


class SyncTriggerView(APIView):
    """Queue a sync of one source (or every enabled one): 202 with the run ids; 409 while one is in flight; 503 when
    the task broker cannot take it."""

    permission_classes = [StartsSyncs]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sync"

    @extend_schema(
        request=SyncTriggerSerializer,
        responses={202: SyncTriggerResponseSerializer, 409: SyncConflictSerializer, 503: SyncNotStartedSerializer,
                   **{code: ErrorSerializer for code in (400, 401, 403, 404, 415, 429)}},
    )  # fmt: skip
    def post(self, request):
        body = SyncTriggerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        name = body.validated_data.get("source")
        sources = list(Source.objects.filter(enabled=True, **({"name": name} if name else {})))
        if not sources:
            message = f"No enabled source named {name!r}." if name else "No source is enabled."
            return Response(error_body("not_found", message), status=status.HTTP_404_NOT_FOUND)
        busy = [source for source in sources if sync_in_flight(source)]
        runs = sync_requests(sources=sources, trigger=SyncRun.Trigger.API, user=request.user)
        data = {"runs": SyncRunSerializer(runs, many=True).data}
        if not_started := [run for run in runs if run.error_kind == BROKER_UNAVAILABLE]:
            names = ", ".join(run.source.name for run in not_started)
            message = f"{BrokerUnavailable.default_detail} Not started (recorded as failed): {names}."
            body = {**error_body(BrokerUnavailable.default_code, message), **data}
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        if busy and len(busy) == len(runs):
            message = "A sync of " + ", ".join(s.name for s in busy) + " is already running; this one was skipped."
            return Response({**error_body("already_running", message), **data}, status=status.HTTP_409_CONFLICT)
        return Response(data, status=status.HTTP_202_ACCEPTED)


class SourceStatusSerializer(serializers.Serializer):
    source = serializers.CharField()
    kind = serializers.CharField()
    enabled = serializers.BooleanField()
    healthy = serializers.BooleanField()
    consecutive_failures = serializers.IntegerField()
    last_run = SyncRunSerializer(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    next_run_at = serializers.DateTimeField(allow_null=True)


class SyncStatusView(APIView):
    """Per source: the last run, the last success, the next scheduled run, and whether it is healthy."""

    permission_classes = [ReadsSyncRuns]

    @extend_schema(responses={200: SourceStatusSerializer(many=True), **STAFF_ERRORS})
    def get(self, request):
        task = PeriodicTask.objects.filter(name=SYNC_ALL_NAME, enabled=True).select_related("interval").first()
        rows = []
        for source in Source.objects.all():
            last = source.runs.exclude(status=SyncRun.Status.SKIPPED).order_by("-id").first()
            rows.append({
                "source": source.name, "kind": source.kind, "enabled": source.enabled, "healthy": source.is_healthy,
                "consecutive_failures": source.consecutive_failures, "last_run": last,
                "last_success_at": source.last_success_at, "next_run_at": _next_run(task, source),
            })  # fmt: skip
        return Response(SourceStatusSerializer(rows, many=True).data)


def _next_run(task: PeriodicTask | None, source: Source):
    if not (task and task.interval and source.enabled):
        return None
    last = task.last_run_at or source.last_run_at
    return last + task.interval.schedule.run_every if last else None
