"""Which events a reader hears unless it asks for more: those of models the team can call, and those about no model
(a source failing). A descriptive record's events (a cost-map or OpenRouter record that only enriches callable
models) come only on request: `?callable=false` on /api/v1/changes/ and the Atom feed, as on the models list, and
"Callable models only" unticked on a webhook endpoint. Otherwise a cost-map sync's thousands of `model.created`
would bury every change to a model anyone can call.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from catalog.models import LLMModel


def callable_scope() -> Q:
    """The default scope: no model, or a model some configured gateway can route (LLMModel.objects.callable())."""
    return Q(llm_model__isnull=True) | Q(llm_model__in=LLMModel.objects.callable().values("pk"))


def events_in_scope(events: QuerySet, include_descriptive: bool) -> QuerySet:
    return events if include_descriptive else events.filter(callable_scope())


def events_with_scope_flag(events: QuerySet) -> QuerySet:
    """`events`, each with `in_callable_scope`, for a reader that decides per event (a webhook endpoint)."""
    return events.annotate(in_callable_scope=ExpressionWrapper(callable_scope(), output_field=BooleanField()))


# --- An endpoint's models: names or glob patterns ("the five models my app calls") ----------------------------

MAX_MODEL_PATTERNS = 100
MAX_PATTERN_LENGTH = 200


def model_pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot name models, in words for the admin form; None when it can."""
    if not pattern.strip():
        return "An empty pattern names no model; remove the empty line."
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"{pattern[:40]}… is longer than {MAX_PATTERN_LENGTH} characters."
    if any(char.isspace() or not char.isprintable() for char in pattern):
        return f"{pattern!r} contains a space or a control character; model names have none."
    if _unclosed_bracket(pattern):
        return f"{pattern!r}: a [ opens a set of characters that is never closed with ]; write [[] for a plain [."
    return None


def _unclosed_bracket(pattern: str) -> bool:
    """A `[` fnmatch would read as a literal, as it does when no `]` closes it (`[!]…]` and `[]…]` as fnmatch reads
    them): almost always a typo, and a pattern that silently matches nothing."""
    start = pattern.find("[")
    while start != -1:
        inner = start + 1 + pattern.startswith("!", start + 1)
        inner += pattern.startswith("]", inner)
        close = pattern.find("]", inner)
        if close == -1:
            return True
        start = pattern.find("[", close + 1)
    return False


def model_matcher(patterns: list[str]) -> Callable[[str | None], bool]:
    """Whether an event about the model `name` is for an endpoint limited to `patterns` (exact names or fnmatch
    globs, case-insensitive: `openai/gpt-4o*`). No patterns: every model. An event about no model (None: a source
    failing, a test) always is; the endpoint's event types and source say whether it wants those."""
    if not patterns:
        return lambda name: True
    regex = re.compile("|".join(fnmatch.translate(pattern.lower()) for pattern in patterns))
    return lambda name: name is None or regex.match(name.lower()) is not None
