"""Headless Chromium: a staff member presses "Sync now" and watches the run finish; the run page refreshes itself."""

import pytest
from django.contrib.auth.models import Permission

from catalog.models import LLMModel
from config.celery import app as celery_app
from modelsync.models import Source, SyncRun
from tests.browser import admin_login, browser_page, screenshot  # noqa: F401  (browser_page is a fixture)

pytestmark = pytest.mark.browser
PASSWORD = "a-browser-test-password"


@pytest.fixture
def operator(django_user_model):
    """Staff who may start syncs and look at models, not a superuser."""
    user = django_user_model.objects.create_user("operator", password=PASSWORD, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=("run_sync", "view_llmmodel", "view_source")))
    return user


@pytest.fixture
def eager_tasks():
    """The live server runs the enqueued task in-process after commit, as a worker would."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_sync_now_on_the_model_list_lands_on_a_finished_run(browser_page, operator, eager_tasks):  # noqa: F811
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC)
    page = browser_page
    admin_login(page, "operator", PASSWORD)
    page.goto("/admin/catalog/llmmodel/")
    page.get_by_role("button", name="Sync now").click()

    page.wait_for_url("**/admin/modelsync/syncrun/*/change/")
    status = page.locator("#sync-run-summary .status")
    status.wait_for()
    assert status.get_attribute("data-status") == "succeeded", page.locator("#sync-run-summary").inner_text()
    assert page.locator(".messagelist").inner_text().startswith("Queued 1 sync")
    screenshot(page, "admin-sync-now-run-succeeded")
    run = SyncRun.objects.get(source=source)
    assert (run.trigger, run.triggered_by, run.created) == ("admin", operator, LLMModel.objects.count())
    assert page.locator(".ms-counters div", has_text="created").locator("b").inner_text() == str(run.created)


def test_the_run_page_refreshes_itself_until_the_run_finishes(browser_page, operator):  # noqa: F811
    source = Source.objects.create(name="static", kind=Source.Kind.STATIC)
    run = SyncRun.objects.create(source=source, trigger=SyncRun.Trigger.ADMIN)
    page = browser_page
    admin_login(page, "operator", PASSWORD)
    page.goto(f"/admin/modelsync/syncrun/{run.pk}/change/")
    assert "refreshes until it finishes" in page.locator("#sync-run-summary").inner_text()

    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.SUCCEEDED, seen=12, unchanged=12, duration_ms=40)
    page.wait_for_selector('#sync-run-summary .status[data-status="succeeded"]', timeout=15_000)
    assert "refreshes" not in page.locator("#sync-run-summary").inner_text()
    screenshot(page, "admin-sync-run-refreshed")
