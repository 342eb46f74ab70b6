"""The snapshot's last resorts: a snapshot that cannot be saved, and a static catalog that cannot be read."""

import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db.utils import OperationalError

from catalog.snapshot import SNAPSHOT_FILE, snapshot_get

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    """Every SQL statement fails, as when PostgreSQL is unreachable."""
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        yield


def test_a_snapshot_that_cannot_be_saved_is_still_served_and_logged(reader, real_catalog, settings, tmp_path, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where VAR_DIR should be")
    settings.VAR_DIR = blocker
    with caplog.at_level(logging.WARNING, logger="catalog.snapshot"):
        snapshot = snapshot_get()
    assert len(snapshot.entries) == 421 and not snapshot.stale and snapshot.origin == "database"
    assert any("could not save the catalog snapshot" in r.getMessage() for r in caplog.records)
    assert not (blocker / SNAPSHOT_FILE).exists()
    with database_down():
        listed = reader.get("/api/v1/models/", {"page_size": 1})
    assert listed.status_code == 200 and listed.json()["count"] == 421 and listed["X-Catalog-Stale"] == "1"


def test_an_unreadable_static_catalog_leaves_an_empty_stale_catalog_that_still_answers(
    reader, settings, tmp_path, caplog
):
    settings.VAR_DIR = tmp_path  # no saved snapshot there
    settings.MODELSYNC_STATIC_CATALOG_PATH = str(tmp_path / "missing.json")
    with database_down(), caplog.at_level(logging.ERROR, logger="catalog.snapshot"):
        listed = reader.get("/api/v1/models/")
        selected = reader.post("/api/v1/select/", {"category": "chat"}, format="json")
        snapshot = snapshot_get()
    assert (snapshot.origin, snapshot.stale, snapshot.entries) == ("static", True, {})
    assert listed.status_code == 200 and listed.json()["count"] == 0 and listed.json()["stale"] is True
    assert selected.status_code == 200 and selected.json()["selected"] is None
    assert any("the static catalog could not be read" in r.getMessage() for r in caplog.records)
