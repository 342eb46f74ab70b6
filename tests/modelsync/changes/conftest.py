"""The fixtures of the sync and API tests, for the change feed's."""

from tests.catalog.conftest import _fresh_snapshot, reader, token_client  # noqa: F401
from tests.modelsync.conftest import catalog_file, file_source  # noqa: F401
from tests.modelsync.sync.test_scheduling_integration import broker, procs  # noqa: F401
