"""The API docs work offline (issue #24): Swagger UI and Redoc come from the pinned drf-spectacular-sidecar package,
so with every non-loopback request refused the pages still list the operations, and nothing tried to leave."""

from urllib.parse import urlsplit

import pytest

from tests.browser import ARTIFACTS
from tests.conftest import _is_loopback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# A few operations of docs/openapi.yaml, as each page spells them.
OPERATIONS = ("/api/v1/models/", "/api/v1/select/", "/api/v1/sync/")


@pytest.fixture
def offline_page(browser_page):
    """The browser page with the network cut: any request to a host that is not loopback is aborted and noted."""
    refused = []

    def only_loopback(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or _is_loopback((host, 0)):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    browser_page.route("**/*", only_loopback)
    errors = []
    browser_page.on("pageerror", lambda error: errors.append(str(error)))
    browser_page.refused, browser_page.errors = refused, errors
    return browser_page


def test_swagger_ui_lists_the_operations_with_the_network_blocked(offline_page):
    page = offline_page
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for operation in OPERATIONS:
        assert any(path.replace("\u200b", "") == operation for path in paths), (operation, paths[:10])
    assert page.locator("script[src*='cdn'], link[href*='cdn']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "screen-api-docs.png"))
    assert page.refused == [] and page.errors == []


def test_redoc_lists_the_operations_with_the_network_blocked(offline_page):
    page = offline_page
    page.goto("/api/redoc/")
    page.wait_for_selector("[data-section-id^='tag/']")
    page.screenshot(path=str(ARTIFACTS / "screen-api-redoc.png"))
    text = page.locator("body").text_content()  # each operation's path is in its (folded) endpoint box
    for operation in OPERATIONS:
        assert operation in text, operation
    assert page.refused == [] and page.errors == []
