"""The pages a new user sees first, at 1400x1000, saved to test-artifacts/ (issues #15, #24): the admin model
list, a model's page, the picker, the Sources list and a sync run's page, over a real catalog (the bundled
OpenRouter list and the LiteLLM capture). docs/images/picker.png, the README's picture, is a copy of
test-artifacts/screen-picker.png."""

import pytest

from modelsync.models import Source, SyncRun
from modelsync.sync.pipeline import source_sync
from modelsync.sync.sources import static_sources_retire
from tests.browser import admin_login
from tests.modelsync.fake_upstream import litellm_proxy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-pw-9313"


@pytest.fixture
def catalog(settings, django_user_model, monkeypatch):
    """The demo first, then the gateway added with its key in the environment, as the README goes: the demo retired."""
    settings.MODELSYNC_PUBLIC_READ = False
    monkeypatch.setenv("LITELLM_API_KEY", "sk-screenshots-0000")
    static = Source.objects.create(name="static", kind=Source.Kind.STATIC)
    with litellm_proxy() as proxy:
        litellm = Source.objects.create(
            name="litellm", kind=Source.Kind.LITELLM, base_url=proxy.url, api_key_env="LITELLM_API_KEY"
        )
        for source in (static, litellm):
            run = source_sync(source=source, trigger=SyncRun.Trigger.CLI)
            assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    static_sources_retire(added=litellm)
    django_user_model.objects.create_superuser("staff", "", PASSWORD)


@pytest.fixture
def demo_catalog(settings, django_user_model):
    """What a fresh install serves: the bundled static source alone."""
    settings.MODELSYNC_PUBLIC_READ = False
    run = source_sync(source=Source.objects.create(name="static", kind=Source.Kind.STATIC), trigger=SyncRun.Trigger.CLI)
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
    # Callability on every row and pick (the gateway's key is in the environment), in the chips' words.
    rows = page.locator("#catalog tbody tr")
    assert rows.count() > 0 and set(_texts(page, "#catalog tbody [data-testid=callable]")) == {"callable"}
    assert page.locator("#selected [data-testid=callable]").inner_text() == "callable"
    assert not page.locator("[data-testid=not-callable-warning]").count()
    assert "has function calling" in _texts(page, "#selected .reasons li")
    labels = page.locator("select[name=strategy] option").all_inner_texts()
    assert labels == ["balanced", "cheapest", "most capable", "largest context", "popular"]


def _texts(page, selector: str) -> list[str]:
    return page.locator(selector).all_inner_texts()


def test_picker_on_the_demo_catalog_says_nothing_can_be_called_and_why(browser_page, demo_catalog):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    page.goto("/picker/")
    page.wait_for_selector("td.num")
    assert set(_texts(page, "#catalog tbody [data-testid=callable]")) == {"demo catalog"}
    page.check("input[name=capabilities][value=function_calling]")
    page.click("#select-button")
    page.wait_for_selector("[data-testid=selection-reason]")
    assert page.text_content("[data-testid=selected-name]") == "No model that can be called fits"
    assert _texts(page, "[data-testid=selection-reason]") == [  # as shown: the API's reason, capitalized
        "No model in the catalog can be called: the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL"
    ]
    assert page.locator("#fallbacks-heading").is_hidden()  # no empty "Fallbacks" heading
    _shot(page, "screen-picker-demo-nothing-callable")

    page.uncheck("input[name=callable_only]")  # the documented opt-in: show what it would pick, saying why not
    page.click("#select-button")
    page.wait_for_selector("[data-testid=not-callable-warning]")
    _shot(page, "screen-picker-demo")
    warning = page.text_content("[data-testid=not-callable-warning]")
    assert warning == "This model cannot be called: the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL."
    assert page.locator("#selected [data-testid=callable]").inner_text() == "demo catalog"
    assert set(_texts(page, "[data-testid=fallback] [data-testid=callable]")) == {"demo catalog"}
    reasons = _texts(page, "#selected .reasons li")
    assert reasons[0].startswith("cannot be called: the bundled demo catalog") and "has function calling" in reasons


def test_admin_sources_list_says_why_the_demo_is_off(browser_page, catalog):
    page = browser_page
    admin_login(page, "staff", PASSWORD)
    page.goto("/admin/modelsync/source/")
    _shot(page, "screen-admin-sources-demo-off")
    notices = page.locator("ul.messagelist li.warning").all_inner_texts()
    assert notices == [
        "The source 'static' is off. Turned off when the source 'litellm' was added: the bundled demo catalog is not "
        "a gateway and no model in it can be called. Staff may enable it again."
    ]
    page.locator("#result_list a", has_text="static").click()
    assert "the bundled demo catalog is not a gateway" in page.locator(".field-disabled_reason").inner_text()
    assert page.locator("ul.messagelist li.warning").all_inner_texts() == notices  # above the form too
    _shot(page, "screen-admin-source-demo-off")


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
