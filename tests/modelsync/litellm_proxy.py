"""A real LiteLLM proxy on loopback, from the cached venv `make test` installs (scripts/ensure_litellm_venv.sh)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import yaml

LITELLM_VENV = Path(
    os.environ.get("LITELLM_VENV")
    or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "modelsync" / "litellm-venv"
)
LITELLM_BIN = LITELLM_VENV / "bin" / "litellm"
OFFLINE_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_OFFLINE_MODE": "true",
    "LITELLM_TELEMETRY_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiteLLMProxy:
    """One proxy process; restart() re-reads a changed config, as an operator would."""

    def __init__(self, workdir: Path, *, master_key: str) -> None:
        self.workdir = workdir
        self.master_key = master_key
        self.port = free_port()
        self.config_path = workdir / "proxy_config.yaml"
        self.log_path = workdir / "proxy.log"
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self, model_list: list[dict], *, router_settings: dict | None = None) -> None:
        config = {"model_list": model_list, "general_settings": {"master_key": self.master_key}}
        if router_settings:
            config["router_settings"] = router_settings
        self.config_path.write_text(yaml.safe_dump(config))

    def get_json(self, path: str) -> object:
        """What the proxy itself answers on `path`, with the master key (a test's independent reading)."""
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"Bearer {self.master_key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def start(self, timeout: float = 90) -> None:
        fake_keys = {"OPENAI_API_KEY": "sk-fake-openai", "ANTHROPIC_API_KEY": "sk-fake-anthropic"}
        # Our DATABASE_URL would send the proxy looking for Prisma: it runs without a database here.
        ours = {"DATABASE_URL", "CELERY_BROKER_URL", "LITELLM_API_KEY", "DJANGO_SETTINGS_MODULE"}
        env = {**{k: v for k, v in os.environ.items() if k not in ours}, **OFFLINE_ENV, **fake_keys}
        command = [str(LITELLM_BIN), "--config", str(self.config_path), "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(command, cwd=self.workdir, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"litellm exited early: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/readiness", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"litellm did not become ready in {timeout}s")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()
