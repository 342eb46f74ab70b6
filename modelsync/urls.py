"""Registers the sync history and trigger endpoints."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from modelsync.api import SyncRunViewSet, SyncStatusView, SyncTriggerView
from modelsync.changes.api import EventViewSet

router = SimpleRouter()
router.register("sync-runs", SyncRunViewSet, basename="syncrun")
router.register("changes", EventViewSet, basename="event")

urlpatterns = [
    path("sync/", SyncTriggerView.as_view(), name="sync-trigger"),
    path("sync/status/", SyncStatusView.as_view(), name="sync-status"),
    *router.urls,
]
