"""The pages a new user sees first, at 1400x1000, saved to test-artifacts/ (issues #15, #24): the admin model
list, a model's page, the picker, the Sources list and a sync run's page, over a real catalog (the bundled
OpenRouter list and the LiteLLM capture). docs/images/picker.png, the README's picture, is a copy of
test-artifacts/screen-picker.png."""

import pytest

from modelsync.models import Source, SyncRun
from modelsync.services import source_sync
from tests.browser import admin_login
from tests.modelsync.fake_upstream import litellm_proxy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-pw-9313"


@pytest.fixture
def catalog(settings, django_user_model):
    settings.MODELSYNC_PUBLIC_READ = False
    static = Source.objects.create(name="static", kind=Source.Kind.STATIC)
    with litellm_proxy() as proxy:
        litellm = Source.objects.create(name="litellm", kind=Source.Kind.LITELLM, base_url=proxy.url)
        for source in (static, litellm):
            run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
            assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    django_user_model.objects.create_superuser("staff", "", PASSWORD)


def _shot(page, name: str):
    from tests.browser import ARTIFACTS

    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))  # the viewport: what the user sees at 1400x1000
    return path


def _align(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("cell => getComputedStyle(cell).textAlign")


def test_admin_model_list(browser_page, catalog):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    page.goto("/admin/catalog/llmmodel/?q=claude")
    _shot(page, "screen-admin-models")
    for column in ("input_price", "output_price", "context_column"):
        assert _align(page, f"#result_list td.field-{column}") == "right"
    assert page.locator("#result_list td.field-input_price").first.inner_text().startswith(("$", "unknown", "free"))


def test_admin_model_page(browser_page, catalog):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    page.goto("/admin/catalog/llmmodel/?q=gpt-4o-mini")
    page.locator("#result_list tbody tr th a").first.click()
    _shot(page, "screen-admin-model-page")
    compare = page.locator("table.ms-compare").inner_text()
    assert "display name" in compare and "safety score" in compare and "[" not in compare
    assert page.locator("#id_staff_tags").input_value() == ""  # not "null"


def test_picker(browser_page, catalog):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    page.goto("/picker/")
    page.wait_for_selector("td.num")
    assert page.locator("#selection-empty").is_visible()  # the empty state says what to do
    page.check("input[name=capabilities][value=function_calling]")
    page.fill("input[name=min_context]", "100000")
    page.click("#select-button")
    page.wait_for_selector("[data-testid=selected-model]")
    _shot(page, "screen-picker")
    assert _align(page, "td.num") == "right" and _align(page, "th.num") == "right"
    assert page.locator("[data-testid=fallback]").count() == 3


def _cut_off(page) -> list[str]:
    """The column headers of the result list that its box cuts off (it scrolls sideways rather than fit)."""
    return page.locator("#changelist .results").evaluate(
        """box => [...box.querySelectorAll("thead th")]
            .filter(cell => cell.getBoundingClientRect().right > box.getBoundingClientRect().right + 1)
            .map(cell => cell.innerText)"""
    )


def test_admin_sources(browser_page, catalog):
    from django.core.management import call_command

    call_command("setup_periodic_tasks", stdout=None)  # the sync schedule `make run` sets up: "next sync" has a time
    Source.objects.create(
        name="team-vllm", kind=Source.Kind.OPENAI, base_url="https://llm-gateway.platform.internal.example.com/v1",
        enabled=False,
    )  # fmt: skip
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    page.goto("/admin/modelsync/source/")
    _shot(page, "screen-admin-sources")
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert any("NEXT" in header.upper() for header in headers) and any("SUCCESS" in h.upper() for h in headers)
    assert _cut_off(page) == [], headers
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    assert "every " in page.locator("#result_list td.field-next_run").first.inner_text()


def test_admin_sync_run_pages(browser_page, catalog):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    first = SyncRun.objects.filter(source__name="litellm").get()
    page.goto(f"/admin/modelsync/syncrun/{first.pk}/change/")
    _shot(page, "screen-admin-sync-run")
    assert page.locator("#sync-run-summary [data-status=succeeded]").is_visible()
    assert page.locator("#no-changes").count() == 0 and page.locator(".field-what_changed").count() > 10
    assert page.locator("#changes-link").inner_text().startswith(f"{first.created} model changes")
    page.click("#changes-link a")
    assert page.locator("#changes-group").is_visible()  # the link lands on the table of changes
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    again = source_sync(source=Source.objects.get(name="static"), trigger=SyncRun.Trigger.CLI)
    assert again.status == SyncRun.Status.SUCCEEDED and not again.changes.exists()
    page.goto(f"/admin/modelsync/syncrun/{again.pk}/change/")
    _shot(page, "screen-admin-sync-run-no-changes")
    assert "No changes" in page.locator("#no-changes").inner_text()
    assert page.locator(".field-what_changed").count() == 0  # no empty table of changes
