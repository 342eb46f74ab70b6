"""What to move to when a model retires, pure: what selection (catalog.selection.select) would choose for the retiring
model's own category, capabilities and context, among models that can be called, the same provider first.

No Django, no settings, no I/O. Left out: the retiring model itself and every model retiring on or before its day
(moving to one of them would only move the problem). Models retiring later stay in: they still outlive it.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.candidates import Candidate, Ranked, Requirements
from catalog.ranking import CatalogIndex
from catalog.selection import select


@dataclass(frozen=True, slots=True)
class Pick:
    """The chosen model, its score and the reasons selection gave, with why it was considered first."""

    ranked: Ranked
    reasons: tuple[str, ...]


def successor_requirements(retiring: Candidate, *, same_provider: bool, excluded: int) -> Requirements:
    """The retiring model's own needs as selection requirements; `excluded` extra places in the chain make room
    for the models left out, so the first one kept is selection's own next choice."""
    return Requirements(
        category=retiring.category,
        capabilities=retiring.capabilities,
        min_context=retiring.context_window or None,
        providers=frozenset({retiring.provider}) if same_provider else frozenset(),
        callable_only=True,
        fallbacks=excluded + 1,
    )


def successor_pick(index: CatalogIndex, retiring: Candidate, left_out: set[int]) -> Pick | None:
    """Selection's choice for `retiring` over the models not in `left_out` (ids): the same provider's if one fits,
    else any provider's; None when nothing that can be called meets the category, capabilities and context."""
    left_out = left_out | {retiring.id}
    for same_provider in (True, False):
        wanted = successor_requirements(retiring, same_provider=same_provider, excluded=len(left_out))
        chosen = select(index, wanted)
        chain = [chosen.selected, *chosen.fallbacks] if chosen.selected else []
        ranked = next((r for r in chain if r.candidate.id not in left_out), None)
        if ranked is not None:
            said = f"same provider ({retiring.provider})" if same_provider else (
                f"no {retiring.provider} model fits: the best of any provider"
            )  # fmt: skip
            return Pick(ranked, (said, f"category {retiring.category}", *ranked.reasons))
    return None
