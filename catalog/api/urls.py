"""Registers the catalog API on one router, plus the selection verb."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from catalog.api.retirements import RetirementViewSet
from catalog.api.views import LLMModelViewSet, SelectView

router = DefaultRouter()
router.register("models", LLMModelViewSet, basename="llmmodel")
router.register("retirements", RetirementViewSet, basename="retirement")

urlpatterns = [path("select/", SelectView.as_view(), name="select"), *router.urls]
