"""The fixtures of the sync and API tests, for the change feed's; a loopback webhook receiver."""

import pytest

from tests.catalog.conftest import _fresh_snapshot, reader, token_client  # noqa: F401
from tests.modelsync.changes.receiver import Receiver
from tests.modelsync.conftest import catalog_file, file_source  # noqa: F401


@pytest.fixture
def receiver(settings):
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.MODELSYNC_WEBHOOK_RETRY_BASE_SECONDS = 0.5
    settings.MODELSYNC_WEBHOOK_TIMEOUT = 1.0
    receiver = Receiver()
    yield receiver
    receiver.close()
