"""Sources from the environment (SPEC §4): created and updated idempotently, the static one only when none exist."""

import io

import pytest
from django.core.management import call_command

from modelsync.models import Source
from modelsync.sync.sources import sources_ensure_from_env

pytestmark = pytest.mark.django_db


def test_litellm_and_openrouter_come_from_the_environment(settings):
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4000/"
    settings.OPENROUTER_ENABLED = True
    ensured = sources_ensure_from_env()
    assert [(s.name, s.kind, s.base_url, s.api_key_env) for s in ensured] == [
        ("litellm", "litellm", "http://127.0.0.1:4000", "LITELLM_API_KEY"),
        ("openrouter", "openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    ]
    assert not Source.objects.filter(name="static").exists()


def test_running_it_again_changes_nothing_and_a_new_url_updates_the_row(settings):
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    first = sources_ensure_from_env()[0]
    assert sources_ensure_from_env()[0].pk == first.pk and Source.objects.count() == 1
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4001"
    sources_ensure_from_env()
    assert Source.objects.get().base_url == "http://127.0.0.1:4001"


def test_staff_settings_on_an_ensured_source_survive(settings):
    settings.OPENROUTER_ENABLED = True
    sources_ensure_from_env()
    Source.objects.filter(name="openrouter").update(enabled=False, auto_publish=False, exclude_patterns="*:free")
    sources_ensure_from_env()
    source = Source.objects.get(name="openrouter")
    assert (source.enabled, source.auto_publish, source.exclude_patterns) == (False, False, "*:free")


def test_with_nothing_configured_the_static_source_is_created_once():
    assert [(s.name, s.kind) for s in sources_ensure_from_env()] == [("static", "static")]
    sources_ensure_from_env()
    assert list(Source.objects.values_list("name", flat=True)) == ["static"]


def test_no_static_source_when_one_was_added_in_admin():
    Source.objects.create(name="mine", kind="openai", base_url="http://127.0.0.1:8001/v1")
    assert sources_ensure_from_env() == []
    assert list(Source.objects.values_list("name", flat=True)) == ["mine"]


def test_the_key_itself_is_never_stored(settings, monkeypatch):
    monkeypatch.setenv("LITELLM_API_KEY", "sk-never-stored-123")
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    sources_ensure_from_env()
    assert "sk-never-stored-123" not in repr(list(Source.objects.values()))


def test_ensure_sources_command_prints_each_source(settings):
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    out = io.StringIO()
    call_command("ensure_sources", stdout=out)
    assert out.getvalue().strip() == "source litellm (litellm) http://127.0.0.1:4000"


def test_a_source_renamed_in_admin_renews_every_replicas_pages(admin_client):
    from catalog.version import catalog_version_get

    source = Source.objects.create(name="mine", kind="openai", base_url="http://127.0.0.1:8001/v1")
    before = catalog_version_get()
    form = {"name": "ours", "kind": "openai", "base_url": "http://127.0.0.1:8001/v1", "enabled": "on",
            "auto_publish": "on", "api_key_env": "", "include_patterns": "", "exclude_patterns": ""}  # fmt: skip
    response = admin_client.post(f"/admin/modelsync/source/{source.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Source.objects.get().name == "ours" and catalog_version_get() == before + 1


def test_saving_a_source_unchanged_leaves_the_catalog_version(db):
    from catalog.version import catalog_version_get
    from modelsync.sync.sources import source_save

    source = Source.objects.create(name="mine", kind="openai", base_url="http://127.0.0.1:8001/v1")
    before = catalog_version_get()
    source_save(source=source, changed_fields=[])
    assert catalog_version_get() == before


# --- the static demo source steps aside once a real source exists -----------------------------------------------


def _form(**fields) -> dict:
    return {"name": "mine", "kind": "openai", "base_url": "http://127.0.0.1:8001/v1", "enabled": "on",
            "auto_publish": "on", "is_callable": "on", "api_key_env": "", "include_patterns": "",
            "exclude_patterns": "", **fields}  # fmt: skip


def test_a_source_from_the_environment_turns_the_demo_off_logged_with_the_reason(settings, caplog):
    from catalog.version import catalog_version_get

    sources_ensure_from_env()  # a first start with nothing configured: the demo
    before = catalog_version_get()
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    with caplog.at_level("WARNING", logger="modelsync.sources"):
        sources_ensure_from_env()
    static = Source.objects.get(name="static")
    assert static.enabled is False and "'litellm' was added" in static.disabled_reason
    assert "Staff may enable it again" in static.disabled_reason
    assert catalog_version_get() == before + 1  # cached pages and the snapshot renew
    assert any("static source 'static' disabled" in record.getMessage() for record in caplog.records)
    assert Source.objects.get(name="litellm").enabled


def test_only_staff_turn_the_demo_back_on_and_no_later_start_turns_it_off_again(settings, admin_client):
    sources_ensure_from_env()
    settings.LITELLM_PROXY_URL = "http://127.0.0.1:4000"
    sources_ensure_from_env()
    sources_ensure_from_env()  # every later start: still off, never re-enabled by itself
    static = Source.objects.get(name="static")
    assert not static.enabled
    form = _form(name="static", kind="static", base_url="")
    response = admin_client.post(f"/admin/modelsync/source/{static.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    static.refresh_from_db()
    assert static.enabled and static.disabled_reason == ""  # staff enabled it: the reason is gone
    sources_ensure_from_env()  # the existing litellm source is not "added" again
    assert Source.objects.get(name="static").enabled


def test_a_source_added_in_admin_turns_the_demo_off_and_the_list_says_why(settings, admin_client):
    sources_ensure_from_env()
    response = admin_client.post("/admin/modelsync/source/add/", _form())
    assert response.status_code == 302, response.content.decode()[:3000]
    static = Source.objects.get(name="static")
    assert not static.enabled and "'mine' was added" in static.disabled_reason
    listing = admin_client.get("/admin/modelsync/source/").content.decode().replace("&#x27;", "'")
    assert f"The source 'static' is off. {static.disabled_reason}" in listing
    page = admin_client.get(f"/admin/modelsync/source/{static.pk}/change/").content.decode()
    assert "the bundled demo catalog is not a gateway" in page


def test_another_demo_retires_nothing_but_a_static_source_with_its_own_file_is_a_real_source(db, tmp_path):
    from modelsync.sync.sources import source_save

    sources_ensure_from_env()
    source_save(source=Source(name="demo-copy", kind="static"), changed_fields=["name"])
    assert all(Source.objects.values_list("enabled", flat=True))
    recorded = Source(name="recorded", kind="static", base_url=str(tmp_path / "ours.json"))
    source_save(source=recorded, changed_fields=["name"])
    enabled = dict(Source.objects.values_list("name", "enabled"))
    assert enabled == {"static": False, "demo-copy": False, "recorded": True}


def test_the_migration_retires_the_demo_where_a_real_source_already_exists(db):
    import importlib

    from django.apps import apps

    from catalog.version import catalog_version_get

    migration = importlib.import_module("modelsync.migrations.0008_source_disabled_reason")
    Source.objects.create(name="static", kind="static")
    migration.retire_static_beside_real_sources(apps, None)
    assert Source.objects.get().enabled  # a demo-only install keeps its demo
    Source.objects.create(name="litellm", kind="litellm", base_url="http://127.0.0.1:4000")
    before = catalog_version_get()
    migration.retire_static_beside_real_sources(apps, None)
    static = Source.objects.get(name="static")
    assert not static.enabled and "'litellm' was added" in static.disabled_reason
    assert catalog_version_get() == before + 1
