"""admin/, the API under api/v1/, its schema and docs (Swagger UI and Redoc, served from our own static files), the
change feed and the retirement calendar, the picker, the health probes and the Prometheus metrics."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from catalog.api.feeds import retirements_feed
from catalog.pages import picker
from config.metrics import metrics
from config.views import healthz, readyz
from modelsync.changes.feeds import changes_feed

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("catalog.api.urls")),
    path("api/v1/", include("modelsync.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="modelsync/redoc.html"),
        name="api-redoc",
    ),
    path("feeds/changes.atom", changes_feed, name="changes-feed"),
    path("feeds/retirements.ics", retirements_feed, name="retirements-feed"),
    path("picker/", picker, name="picker"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]
