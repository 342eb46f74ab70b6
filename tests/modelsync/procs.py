"""Start and stop real `celery worker` / `celery beat` processes on a given broker and database, for the tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def database_url() -> str:
    """The test database (pytest-django's) as a DATABASE_URL, for subprocesses that must see what the test wrote."""
    from django.db import connection

    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_env(*, database_url: str, broker_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker/beat: the test's database and broker, a private var dir, fast beat reloads."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COV_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        MODELSYNC_VAR_DIR=str(var_dir),
        CELERY_BEAT_MAX_LOOP_INTERVAL="1",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Proc:
    """A subprocess in its own process group, logging to a file the test can wait on."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}) before {text!r}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no {text!r} within {timeout}s:\n{self.log()[-4000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole group, as the kernel's OOM killer or `docker kill` would."""
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, *, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM); SIGKILL when it does not finish in time. Safe to call twice."""
        if self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._signal_group(signal.SIGKILL)  # strays of the group (pool children), if any
        self._log.close()

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)


def start_worker(env: dict[str, str], log_dir: Path, *, concurrency: int = 1) -> Proc:
    """A prefork worker (time limits need prefork); returns once it is consuming."""
    name = f"sched-it-{uuid.uuid4().hex[:8]}@%h"
    args = [str(CELERY), "-A", "config", "worker", "--loglevel=INFO", f"--concurrency={concurrency}", "-n", name,
            "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    proc = Proc("worker", args, env=env, log_dir=log_dir)
    proc.wait_for_log(" ready.", timeout=60)
    return proc


def start_beat(env: dict[str, str], log_dir: Path) -> Proc:
    """Beat on django-celery-beat's DatabaseScheduler (from settings); returns once it has started."""
    args = [str(CELERY), "-A", "config", "beat", "--loglevel=INFO", "--pidfile=",
            f"--schedule={log_dir / 'beat-schedule'}"]  # fmt: skip
    proc = Proc("beat", args, env=env, log_dir=log_dir)
    proc.wait_for_log("beat: Starting...", timeout=60)
    return proc


def run_command(env: dict[str, str], *args: str) -> subprocess.Popen:
    """`manage.py <args>` in the background, output captured."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def redis_client():
    """A client of the test's broker (CELERY_BROKER_URL), or the test fails (CI) or skips saying what is missing."""
    import redis
    from django.conf import settings

    from tests.conftest import unavailable

    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        unavailable(f"a Redis CELERY_BROKER_URL (it is {broker!r})")
    client = redis.Redis.from_url(broker, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {broker}: {exc}")
    return client


def wait_until(predicate, *, timeout: float, what: str, logs=()):
    """The predicate's first true value, polled every 0.2 s; past `timeout`, an AssertionError with the logs' tails."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            details = "\n".join(f"--- {proc.name}:\n{proc.log()[-3000:]}" for proc in logs)
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{details}")
        time.sleep(0.2)
    return value
