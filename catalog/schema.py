"""drf-spectacular post-processing: the list filters' numeric bounds, which its django-filter support leaves out."""

from catalog.filters import LLMModelFilter

LIST_PATH = "/api/v1/models/"
BOUNDS = {"minimum": "min_value", "maximum": "max_value", "maxLength": "max_length"}


def filter_bounds(result, generator, request, public):
    """Copy each LLMModelFilter's min_value/max_value into the list's query parameter schema."""
    bounds = {
        name: {key: f.extra[option] for key, option in BOUNDS.items() if f.extra.get(option) is not None}
        for name, f in LLMModelFilter.base_filters.items()
    }  # fmt: skip
    for parameter in result.get("paths", {}).get(LIST_PATH, {}).get("get", {}).get("parameters", []):
        if parameter.get("in") == "query" and bounds.get(parameter["name"]):
            parameter["schema"].update(bounds[parameter["name"]])
    return result


def strict_bodies(result, generator, request, public):
    """StrictSerializer refuses unknown keys, so its components say additionalProperties: false."""
    from catalog.serializers import StrictSerializer

    names = {cls.__name__.removesuffix("Serializer") for cls in _subclasses(StrictSerializer)}
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name in names and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


def _subclasses(cls) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}
