"""The real URLconf plus the reference the list endpoint is compared with: the same page through a plain DRF
ModelSerializer (every field, no ETag, no cache), as a straightforward DRF project would write it."""

from django.urls import path
from rest_framework import generics, serializers

from catalog.api.pagination import CatalogPagination
from catalog.api.permissions import CatalogReader
from catalog.models import LLMModel
from config.urls import urlpatterns as site_urlpatterns

PLAIN_PATH = "/bench/plain-models/"


class PlainLLMModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = LLMModel
        fields = "__all__"


class PlainLLMModelList(generics.ListAPIView):
    queryset = LLMModel.objects.filter(is_hidden=False, is_active=True).order_by("model", "id")
    serializer_class = PlainLLMModelSerializer
    pagination_class = CatalogPagination
    permission_classes = [CatalogReader]
    filter_backends = []


urlpatterns = [path(PLAIN_PATH.lstrip("/"), PlainLLMModelList.as_view()), *site_urlpatterns]
