"""Browser fixtures for the page tests."""

from tests.browser import browser_page  # noqa: F401 - a fixture
