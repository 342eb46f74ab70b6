"""Sources created from the environment at start-up (SPEC §4)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from catalog.version import catalog_version_bump
from modelsync.linking.refresh import links_refresh
from modelsync.models import Source

logger = logging.getLogger("modelsync.sources")


def sources_ensure_from_env() -> list[Source]:
    """Create or update the sources the environment names; with none at all, the bundled `static` source."""
    ensured = []
    if settings.LITELLM_PROXY_URL:
        ensured.append(_ensure("litellm", Source.Kind.LITELLM, settings.LITELLM_PROXY_URL, "LITELLM_API_KEY"))
    if settings.OPENROUTER_ENABLED:
        ensured.append(_ensure("openrouter", Source.Kind.OPENROUTER, settings.OPENROUTER_BASE_URL,
                               "OPENROUTER_API_KEY", is_callable=settings.OPENROUTER_CALLABLE))  # fmt: skip
    if settings.COSTMAP_ENABLED:
        ensured.append(_ensure("costmap", Source.Kind.COSTMAP, settings.COSTMAP_PATH, "", is_callable=False))
    if not ensured and not Source.objects.exists():
        ensured.append(_ensure("static", Source.Kind.STATIC, "", ""))
    return ensured


def _ensure(name: str, kind: str, base_url: str, api_key_env: str, *, is_callable: bool = True) -> Source:
    source = Source.objects.filter(name=name).first() or Source(name=name, kind=kind)
    created = source.pk is None
    source.base_url, source.api_key_env = base_url.rstrip("/"), api_key_env
    if created or not is_callable:  # staff may make a source descriptive in admin; the env never undoes it
        source.is_callable = is_callable
    source.full_clean()
    with transaction.atomic():
        source.save()
        if created:
            static_sources_retire(added=source)
    return source


def static_retire_reason(added: str) -> str:
    """What a retired static source's admin page says."""
    return (
        f"Turned off when the source {added!r} was added: the bundled demo catalog is not a gateway and no model "
        "in it can be called. Staff may enable it again."
    )


def static_sources_retire(*, added: Source) -> list[str]:
    """Turn off every enabled `static` source reading the bundled demo catalog once a real source is added: the demo
    is never a peer of a real source.

    Only the creation of another source does this, so a static source staff enable again stays on (until yet another
    source is created). Runs in the caller's transaction; the catalog version goes up so cached pages renew.
    """
    if added.kind == Source.Kind.STATIC and not added.base_url:  # another copy of the demo is not a real source
        return []
    bundled = Source.objects.filter(kind=Source.Kind.STATIC, base_url="", enabled=True)  # not one with its own file
    retired = list(bundled.values_list("name", flat=True))
    if not retired:
        return []
    Source.objects.filter(name__in=retired).update(enabled=False, disabled_reason=static_retire_reason(added.name))
    catalog_version_bump()
    for name in retired:
        logger.warning(
            "static source %r disabled: the source %r was added, and the bundled demo catalog is never offered beside "
            "a real one (staff may enable it again in admin)",
            name,
            added.name,
        )
    return retired


# How each source the environment can create is switched on, for the error that a missing one gives.
_CREATED_BY = {"litellm": "LITELLM_PROXY_URL=http://your-proxy:4000", "openrouter": "OPENROUTER_ENABLED=1",
               "costmap": "COSTMAP_ENABLED=1"}  # fmt: skip


def source_missing_hint(name: str) -> str:
    """What creates the source `name`: the variable that would, or else the admin page."""
    if how := _CREATED_BY.get(name):
        return f"set {how} in the environment and run the command again"
    return "add it in admin at /admin/modelsync/source/add/"


@transaction.atomic
def source_save(*, source: Source, changed_fields: list[str]) -> Source:
    """Save a staff edit of a source. The API shows its name, so a change renews every replica's pages.

    Adding a source retires the static demo one; enabling a source clears the reason modelsync turned it off.
    """
    created = source.pk is None
    if "enabled" in changed_fields and source.enabled:
        source.disabled_reason = ""
    source.full_clean()
    source.save()
    if changed_fields:
        catalog_version_bump()
    if created:
        static_sources_retire(added=source)
    if {"is_callable", "kind"} & set(changed_fields):
        links_refresh()  # which models link, and which are linked to, changed
    return source
