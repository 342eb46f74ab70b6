"""The model picker page: plain HTML and JavaScript over the public API."""

from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from catalog.candidates import NOT_CALLABLE
from catalog.models import LLMModel

# The selection strategies of SPEC §8, in the order the picker offers them, with the words it shows.
STRATEGIES = (
    ("balanced", "balanced"),
    ("cheapest", "cheapest"),
    ("most_capable", "most capable"),
    ("largest_context", "largest context"),
    ("popular", "popular"),
)
# The capability chips' words: the API's values with spaces, as the selection's reasons write them.
CAPABILITIES = tuple((value, value.replace("_", " ")) for value in LLMModel.Capability.values)


@require_GET
@ensure_csrf_cookie  # the page POSTs to /api/v1/select/ with the session, so it needs the CSRF cookie
def picker(request):
    context = {
        "categories": LLMModel.Category.choices,
        "capabilities": CAPABILITIES,
        "strategies": STRATEGIES,
        "not_callable": NOT_CALLABLE,
    }
    return render(request, "catalog/picker.html", context)
