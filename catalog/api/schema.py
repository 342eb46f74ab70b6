"""drf-spectacular post-processing: what the query parameters' validation refuses, which its django-filter support
leaves out of the schema (whole numbers, numeric bounds, lengths, NUL characters)."""

import django_filters
from django.conf import settings

from catalog.api.filters import IntegerFilter
from catalog.api.serializers import NO_NUL, StrictSerializer

BOUNDS = {"minimum": "min_value", "maximum": "max_value", "maxLength": "max_length"}


def filter_bounds(result, generator, request, public):
    """Each list's FilterSet bounds (min_value, max_value, max_length) and its text filters' NUL rule, and
    strict_page_size's bounds, copied into the query parameters of every operation that has them."""
    paths = result.get("paths", {})
    for path, _regex, method, view in generator.endpoints:
        operation = paths.get(path, {}).get(method.lower(), {})
        filterset = getattr(getattr(view, "cls", None), "filterset_class", None)
        filters = filterset.base_filters if filterset is not None else {}
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            schema, name = parameter["schema"], parameter["name"]
            if name == "page_size":
                schema.update(minimum=1, maximum=settings.MODELSYNC_MAX_PAGE_SIZE)
            if (f := filters.get(name)) is None:
                continue
            schema.update({key: f.extra[option] for key, option in BOUNDS.items() if f.extra.get(option) is not None})
            if isinstance(f, IntegerFilter):  # drf-spectacular says number unless the model field is an integer
                schema["type"] = "integer"
            if isinstance(f, django_filters.CharFilter) and schema.get("type") == "string":
                schema.setdefault("pattern", NO_NUL)
    return result


def strict_bodies(result, generator, request, public):
    """StrictSerializer refuses unknown keys, so its components say additionalProperties: false."""
    names = {cls.__name__.removesuffix("Serializer") for cls in _subclasses(StrictSerializer)}
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name in names and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


def _subclasses(cls) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}
