"""CI's two passes (.ci/run): the whole suite on PostgreSQL, and on SQLite (the README's default) with
CI_DATABASE=sqlite. On the SQLite pass a test of PostgreSQL itself is skipped with a reason; on the PostgreSQL pass it
fails without one; a pass on the wrong database, or without Redis, stops before any test runs."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ci_problems, postgresql_required, sqlite_pass, unavailable
from tests.settings_vars import ROOT

POSTGRESQL, SQLITE = "config.postgresql", "django.db.backends.sqlite3"
REDIS = "redis://127.0.0.1:6379/0"
# Tests of PostgreSQL itself: one skips through unavailable(), one through test_locks' own mark.
POSTGRESQL_ONLY = (
    "tests/modelsync/changes/test_cursor_polling.py::test_polling_across_concurrent_syncs_never_skips_or_repeats",
    "tests/modelsync/sync/test_locks.py::test_two_syncs_started_together_one_runs_and_one_is_skipped",
)


@pytest.fixture
def ci(monkeypatch):
    def set_pass(database: str | None):
        monkeypatch.setenv("CI", "true")
        if database is None:
            monkeypatch.delenv("CI_DATABASE", raising=False)
        else:
            monkeypatch.setenv("CI_DATABASE", database)

    return set_pass


@pytest.mark.parametrize(
    ("database", "engine", "broker", "problems"),
    [
        (None, POSTGRESQL, REDIS, []),  # CI=true alone: the PostgreSQL pass
        ("postgresql", POSTGRESQL, REDIS, []),
        ("sqlite", SQLITE, REDIS, []),
        (None, SQLITE, REDIS, [f"CI_DATABASE=postgresql but the database engine is {SQLITE}"]),
        (
            "sqlite",
            POSTGRESQL,
            REDIS,
            [f"CI_DATABASE=sqlite but the database engine is {POSTGRESQL}; unset DATABASE_URL"],
        ),
        ("sqlite", SQLITE, "filesystem://", ["CELERY_BROKER_URL must point at Redis in CI (it is 'filesystem://')"]),
        ("mysql", SQLITE, REDIS, ["CI_DATABASE must be one of postgresql, sqlite (it is 'mysql')"]),
    ],
)
def test_each_pass_names_what_is_wrong_with_its_settings(ci, database, engine, broker, problems):
    ci(database)
    found = ci_problems(engine, broker)
    assert len(found) == len(problems) and all(got.startswith(want) for got, want in zip(found, problems, strict=True))


def test_a_test_of_postgresql_skips_on_the_sqlite_pass_and_fails_on_the_postgresql_pass(ci):
    ci("sqlite")
    assert sqlite_pass() and not postgresql_required()
    with pytest.raises(pytest.skip.Exception, match="CI_DATABASE=sqlite is CI's SQLite pass"):
        unavailable("PostgreSQL (DATABASE_URL=postgres://...)")
    with pytest.raises(pytest.fail.Exception, match="CI=true: needs Redis"):  # anything else still fails
        unavailable("Redis")
    ci(None)
    assert postgresql_required() and not sqlite_pass()
    with pytest.raises(pytest.fail.Exception, match="CI=true: needs PostgreSQL"):
        unavailable("PostgreSQL (DATABASE_URL=postgres://...)")


def test_outside_ci_a_missing_database_is_a_skip(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("CI_DATABASE", "sqlite")  # means nothing without CI=true
    assert not sqlite_pass() and not postgresql_required()
    with pytest.raises(pytest.skip.Exception, match=r"^needs PostgreSQL$"):
        unavailable("PostgreSQL")


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CI", "CI_DATABASE")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "--no-cov", "-p", "no:cacheprovider", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_sqlite_pass_skips_the_tests_of_postgresql_and_says_why():
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        unavailable("Redis", "the SQLite pass of CI needs it too; set CELERY_BROKER_URL=redis://...")
    result = _pytest(*POSTGRESQL_ONLY, CI="true", CI_DATABASE="sqlite", CELERY_BROKER_URL=broker)
    assert result.returncode == 0 and "2 skipped" in result.stdout, result.stdout + result.stderr
    assert result.stdout.count("SKIPPED") == 2 and "needs DATABASE_URL pointing at PostgreSQL" in result.stdout
    assert "CI_DATABASE=sqlite is CI's SQLite pass" in result.stdout


def test_a_pass_on_the_wrong_database_stops_before_any_test():
    result = _pytest(
        POSTGRESQL_ONLY[0], CI="true", CI_DATABASE="sqlite", CELERY_BROKER_URL=REDIS,
        DATABASE_URL="postgres://postgres@127.0.0.1:9/nowhere",
    )  # fmt: skip
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "CI_DATABASE=sqlite but the database engine is config.postgresql" in result.stderr
