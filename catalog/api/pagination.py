"""Page-number pagination with a capped page size; a bad page or size is a 400 that says why."""

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def strict_page_size(request, name: str, default: int) -> int:
    """The asked page size, or a 400 naming the bounds (DRF falls back to the default without a word)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    limit = settings.MODELSYNC_MAX_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= limit:
        raise ValidationError({name: [f"A whole number from 1 to {limit}."]})
    return int(raw)


class CatalogPagination(PageNumberPagination):
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        return strict_page_size(request, self.page_size_query_param, self.page_size)

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param, "1")
        if not page.isdigit() or int(page) < 1:
            raise ValidationError({"page": ["A whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        """DRF's two parameters with their bounds, so the schema says what the API accepts."""
        bounds = {self.page_query_param: {"minimum": 1},
                  self.page_size_query_param: {"minimum": 1, "maximum": settings.MODELSYNC_MAX_PAGE_SIZE}}  # fmt: skip
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
