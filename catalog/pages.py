"""The model picker page: plain HTML and JavaScript over the public API."""

from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from catalog.models import LLMModel

# The selection strategies of SPEC §8, in the order the picker offers them.
STRATEGIES = ("balanced", "cheapest", "most_capable", "largest_context", "popular")


@require_GET
@ensure_csrf_cookie  # the page POSTs to /api/v1/select/ with the session, so it needs the CSRF cookie
def picker(request):
    context = {
        "categories": LLMModel.Category.choices,
        "capabilities": LLMModel.Capability.choices,
        "strategies": STRATEGIES,
    }
    return render(request, "catalog/picker.html", context)
