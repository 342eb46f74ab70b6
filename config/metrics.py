"""Prometheus metrics (issue #14): what an operator alerts on, right however many processes serve it.

Two kinds, by where the truth lives:
- The sync and the catalog are read from the database at scrape time (CatalogCollector): runs by source and
  status, their duration, guard refusals, active models and the last success per source. Any replica answers the
  same, whichever worker ran the sync, and nothing is lost when a process restarts.
- Per-process facts (request latency by endpoint, the age of each process's selection snapshot) live in the
  process; under gunicorn they are shared the library's way, through files in PROMETHEUS_MULTIPROC_DIR
  (config/gunicorn.py marks a dead worker's files).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import time

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from catalog.models import LLMModel
from modelsync.models import Source, SyncRun

LIST_PATH = "/api/v1/models/"
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds. A sync of a large gateway takes seconds; a cached list page, well under a millisecond.
RUN_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

REQUEST_LATENCY = Histogram(
    "modelsync_http_request_duration_seconds",
    "Time to answer a request, by URL route (not path), method and status.",
    ["endpoint", "method", "status"],
    buckets=REQUEST_BUCKETS,
)


def request_metrics(get_response):
    """Middleware: every request's latency, labelled by its route so ids in paths add no series."""

    def middleware(request):
        started = time.perf_counter()
        response = get_response(request)
        REQUEST_LATENCY.labels(_endpoint(request), _method(request), str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response

    return middleware


def _endpoint(request) -> str:
    if request.resolver_match is not None:  # DRF's router routes are regexes: ^models/(?P<pk>[^/.]+)/$
        return "/" + _REGEX_GROUP.sub(r"<\1>", request.resolver_match.route).replace("^", "").replace("$", "")
    # The list's cached pages are answered by catalog.api.caching before URL resolution.
    return LIST_PATH if request.path_info == LIST_PATH else "unmatched"


def _method(request) -> str:
    return request.method if request.method in METHODS else "other"


class CatalogCollector:
    """Sync and catalog figures read from the database at each scrape (a handful of grouped queries)."""

    def collect(self):
        runs = CounterMetricFamily(
            "modelsync_sync_runs", "Sync runs by source and status.", labels=["source", "status"]
        )
        for row in SyncRun.objects.values("source__name", "status").annotate(n=Count("id")).order_by():
            runs.add_metric([row["source__name"], row["status"]], row["n"])
        yield runs

        refusals = CounterMetricFamily(
            "modelsync_guard_refusals", "Runs a guard refused, by source and reason.", labels=["source", "reason"]
        )
        refused = SyncRun.objects.filter(status=SyncRun.Status.REFUSED).values("source__name", "error_kind")
        for row in refused.annotate(n=Count("id")).order_by():
            refusals.add_metric([row["source__name"], row["error_kind"] or "unknown"], row["n"])
        yield refusals

        yield self._durations(SyncRun)

        active = GaugeMetricFamily("modelsync_models_active", "Active models per source.", labels=["source"])
        counts = dict(LLMModel.objects.filter(is_active=True).values_list("source__name").annotate(n=Count("id")))
        last_success = GaugeMetricFamily(
            "modelsync_source_last_success_timestamp_seconds",
            "When each source last synced successfully (absent: never).",
            labels=["source"],
        )
        for name, succeeded_at in Source.objects.values_list("name", "last_success_at").order_by("name"):
            active.add_metric([name], counts.get(name, 0))
            if succeeded_at is not None:
                last_success.add_metric([name], succeeded_at.timestamp())
        yield active
        yield last_success

    @staticmethod
    def _durations(sync_run_model):
        """Finished runs' durations as a histogram, bucketed in the database (one grouped query)."""
        family = HistogramMetricFamily(
            "modelsync_sync_run_duration_seconds", "Duration of finished sync runs.", labels=["source"]
        )
        finished = sync_run_model.objects.filter(duration_ms__isnull=False).values("source__name").order_by()
        buckets = {f"le{i}": Count("id", filter=Q(duration_ms__lte=le * 1000)) for i, le in enumerate(RUN_BUCKETS)}
        for row in finished.annotate(total=Count("id"), sum_ms=Sum("duration_ms"), **buckets):
            cumulative = [(str(float(le)), row[f"le{i}"]) for i, le in enumerate(RUN_BUCKETS)]
            family.add_metric([row["source__name"]], [*cumulative, ("+Inf", row["total"])], row["sum_ms"] / 1000)
        return family


DATABASE_UP = "modelsync_database_up"


def metrics_text() -> bytes:
    """The exposition: this process's (or, under gunicorn, every worker's) metrics, then the database's.

    With the database unreachable the scrape still answers: the process metrics, and modelsync_database_up 0 in
    place of the figures only the database knows (absent for that scrape, not zero).
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(CatalogCollector())
    try:
        from_database, up = generate_latest(database), 1
    except DatabaseError:
        from_database, up = b"", 0
    health = f"# HELP {DATABASE_UP} 1 when this scrape read the database, 0 when it was unreachable.\n"
    health += f"# TYPE {DATABASE_UP} gauge\n{DATABASE_UP} {up}\n"
    return generate_latest(processes) + from_database + health.encode()


def metrics_allowed(request) -> bool:
    """A bearer MODELSYNC_METRICS_TOKEN, or a client address in MODELSYNC_METRICS_ALLOW (loopback by default)."""
    token = settings.MODELSYNC_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in network for network in settings.MODELSYNC_METRICS_ALLOW)


def metrics(request):
    """GET /metrics for Prometheus; anyone else gets a 403 that says how to be let in."""
    if not metrics_allowed(request):
        return HttpResponse(
            "metrics: send Authorization: Bearer <MODELSYNC_METRICS_TOKEN> or scrape from MODELSYNC_METRICS_ALLOW\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
