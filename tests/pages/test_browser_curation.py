"""Staff curation and the picker, end to end in headless Chromium against a live server."""

import json

import pytest

from catalog.models import LLMModel
from config.celery import app as celery_app
from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.browser import admin_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-pw-4821"
HIDDEN = "anthropic/claude-opus-4.6"
RENAMED = "anthropic/claude-sonnet-4.6"


@pytest.fixture
def catalog(settings):
    settings.MODELSYNC_PUBLIC_READ = False
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC)
    run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    return source


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("staff", "", PASSWORD)


@pytest.fixture
def eager_tasks():
    """The live server runs the enqueued sync in-process, as a worker would."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _api_models(page, **query) -> list[str]:
    response = page.request.get("/api/v1/models/", params={"page_size": 200, **query})
    assert response.ok, response.text()
    return [row["model"] for row in response.json()["results"]]


def _pick(page, model: str) -> None:
    page.goto(f"/admin/catalog/llmmodel/?q={model}")
    page.locator("tr", has_text=model).first.locator("input.action-select").check()


def test_hidden_model_vanishes_from_the_api_and_the_picker(browser_page, catalog, staff):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    assert HIDDEN in _api_models(page, search=HIDDEN)

    _pick(page, HIDDEN)
    page.select_option("select[name=action]", "hide")
    page.click("button[name=index]")
    page.wait_for_selector("text=Hid 1 model.")
    screenshot(page, "admin-models-after-hide")

    assert HIDDEN not in _api_models(page, search=HIDDEN)
    page.goto("/picker/")
    page.fill("#catalog-search", "claude-opus-4.")
    page.press("#catalog-search", "Enter")
    page.locator("#catalog tbody tr").first.wait_for()
    listed = page.locator("#catalog tbody tr").evaluate_all("rows => rows.map(r => r.dataset.model)")
    assert "anthropic/claude-opus-4.7" in listed and HIDDEN not in listed


def test_display_name_override_survives_a_sync_started_with_sync_now(browser_page, catalog, staff, eager_tasks):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    model = LLMModel.objects.get(source=catalog, model=RENAMED)
    page.goto(f"/admin/catalog/llmmodel/{model.pk}/change/")
    page.fill("#id_staff_display_name", "Team default writer")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was changed successfully")

    page.goto("/admin/modelsync/source/")
    page.get_by_role("button", name="Sync now").first.click()
    page.wait_for_selector("text=succeeded", timeout=60_000)
    screenshot(page, "admin-sync-run-after-sync-now")
    assert SyncRun.objects.filter(source=catalog, trigger=SyncRun.Trigger.ADMIN).latest("id").status == "succeeded"

    page.goto(f"/admin/catalog/llmmodel/{model.pk}/change/")
    assert page.input_value("#id_staff_display_name") == "Team default writer"
    screenshot(page, "admin-model-override")
    detail = page.request.get(f"/api/v1/models/{model.pk}/").json()
    assert detail["display_name"] == "Team default writer"


def test_picker_selects_what_the_api_selects(browser_page, catalog, staff):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    page.goto("/picker/")
    page.select_option("select[name=category]", "chat")
    page.check("input[name=capabilities][value=function_calling]")
    page.check("input[name=capabilities][value=vision]")
    page.fill("input[name=min_context]", "100000")
    page.select_option("select[name=strategy]", "cheapest")
    page.fill("input[name=fallbacks]", "3")
    page.uncheck("input[name=callable_only]")  # the demo catalog: nothing in it can be called
    page.fill("input[name=input_tokens]", "300000")
    page.fill("input[name=cache_read_tokens]", "200000")
    page.click("#select-button")
    page.wait_for_selector("[data-testid=selected-model]")
    shown = page.text_content("[data-testid=selected-model]")
    estimate = page.text_content("[data-testid=selected-cost]")
    fallbacks = page.locator("[data-testid=fallback]").count()
    screenshot(page, "picker-selection")

    body = {
        "category": "chat",
        "capabilities": ["function_calling", "vision"],
        "min_context": 100000,
        "strategy": "cheapest",
        "fallbacks": 3,
        "input_tokens": 300000,
        "output_tokens": 500,
        "cache_read_tokens": 200000,
        "service_tier": "standard",
        "callable_only": False,
    }
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(
        "/api/v1/select/", data=json.dumps(body), headers={"Content-Type": "application/json", "X-CSRFToken": csrf}
    )
    assert answer.ok, answer.text()
    expected = answer.json()
    assert shown == expected["selected"]["model"]
    cost = expected["selected"]["estimated_cost"]  # the stated usage's estimate, and the long-context tier if any
    tier = "" if cost["tier"] is None else f" (long-context tier > {cost['tier']:,} tokens)"
    assert estimate == f"est. ${cost['total_cost']}{tier}" and cost["complete"]
    warning = page.text_content("[data-testid=not-callable-warning]")
    assert warning == "This model cannot be called: the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL."
    assert fallbacks == len(expected["fallbacks"]) == 3


def test_picker_shows_a_plain_error_when_not_allowed(browser_page, catalog):
    page = browser_page
    page.goto("/picker/")
    banner = page.locator("#banner")
    banner.wait_for()
    assert "Log in" in banner.text_content()
    screenshot(page, "picker-logged-out")
