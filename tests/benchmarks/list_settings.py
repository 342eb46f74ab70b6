"""Settings of the gunicorn that test_bench_list.py measures: the deployed settings plus a reference view.

Base rather than test settings on purpose: the benchmark measures what production runs (persistent database
connections, DEBUG off); only the URLconf differs, adding the plain-ModelSerializer view beside the real API.
"""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.list_urls"
