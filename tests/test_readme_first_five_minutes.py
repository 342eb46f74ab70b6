"""README "Your first five minutes" (issue #15), run exactly as written so the doc cannot drift.

A copy of the checkout (what a clean clone holds) runs `make run` on a fresh SQLite database, pointed at a loopback
LiteLLM proxy that answers with the real 1.109.1 captures; then each ```sh block of the section runs in one bash,
in order, from the copy, and each answer is checked. `make stop` ends it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tests.modelsync.fake_upstream import litellm_proxy

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Your first five minutes"
STEP = "::readme-step::"


def first_five_minutes_blocks(readme: str) -> list[str]:
    """The section's ```sh blocks, dedented, in order."""
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return [
        textwrap.dedent(indent + body) for indent, body in re.findall(r"^( *)```sh\n(.*?)^\1```", section, re.M | re.S)
    ]


def test_the_section_has_the_five_steps():
    blocks = first_five_minutes_blocks((ROOT / "README.md").read_text())
    assert len(blocks) == 5 and "create_token" in blocks[1] and "/api/v1/select/" in blocks[4]


def test_every_picture_the_readme_shows_is_committed():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert pictures and all((ROOT / picture).is_file() for picture in pictures), pictures


def _checkout_copy(target: Path) -> Path:
    """The tracked and new (not ignored) files, as a clone of this checkout would have them; the venv is shared."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")
    os.utime(target / "pyproject.toml", (0, 0))  # older than the venv's install marker: make reinstalls nothing
    return target


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _user_environment(**extra: str) -> dict[str, str]:
    """A user's shell: none of the test run's database, broker or settings."""
    dropped = ("DATABASE_URL", "CELERY_", "DJANGO_", "MODELSYNC_", "LITELLM_", "OPENROUTER_", "PYTEST_", "COV_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(dropped)}, **extra}


@pytest.fixture
def running_install(tmp_path):
    clone = _checkout_copy(tmp_path / "modelsync")
    with litellm_proxy(lifetime=280) as proxy:
        env = _user_environment(PORT=str(_free_port()), LITELLM_PROXY_URL=proxy.url, LITELLM_API_KEY="sk-readme-0000")
        log = (tmp_path / "run.log").open("wb")
        run = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
        base = f"http://127.0.0.1:{env['PORT']}"
        try:
            deadline = time.monotonic() + 180
            while not _answers(f"{base}/healthz"):
                assert run.poll() is None, (tmp_path / "run.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
                time.sleep(0.5)
            yield clone, env, base
        finally:
            subprocess.run(["make", "stop"], cwd=clone, env=env, capture_output=True, timeout=60)
            try:
                run.wait(timeout=30)
            finally:
                if run.poll() is None:
                    os.killpg(run.pid, 9)
                log.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def _run_blocks(blocks: list[str], clone: Path, env: dict[str, str]) -> list[str]:
    script = "".join(f"echo '{STEP}'\n{block}" for block in blocks)
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert STEP not in done.stderr, done.stderr
    return done.stdout.split(f"{STEP}\n")[1:]


def test_the_first_five_minutes_work_as_written(running_install):
    clone, env, base = running_install
    login, token, listing, cost_lines, selection = _run_blocks(
        first_five_minutes_blocks((clone / "README.md").read_text()), clone, env
    )

    # 1. The kept login opens the admin.
    credentials = dict(line.split(": ", 1) for line in login.splitlines())
    assert credentials["username"] == "admin"
    session = requests.Session()
    session.get(f"{base}/admin/login/", timeout=10)
    page = session.post(f"{base}/admin/login/?next=/admin/", timeout=10, headers={"Referer": f"{base}/admin/login/"},
                        data={**credentials, "csrfmiddlewaretoken": session.cookies["csrftoken"]})  # fmt: skip
    assert page.url == f"{base}/admin/" and "<title>Catalog and sync | modelsync</title>" in page.text

    # 2. The token step prints nothing on stdout (the key went into $TOKEN).
    assert token == ""

    # 3. Chat models with function calling at most $5/Mtok input, cheapest first, from the LiteLLM source.
    models = json.loads(listing)["results"]
    prices = [Decimal(m["pricing"]["input_per_mtok"]) for m in models]
    assert len(models) == 3 and prices == sorted(prices) and all(price <= 5 for price in prices)
    assert all(m["category"] == "chat" and "function_calling" in m["capabilities"] for m in models)
    assert {m["source"] for m in models} == {"litellm"}

    # 4. The cost of the cheapest, exact to the price per million tokens.
    cheapest = models[0]
    cost = json.loads(cost_lines)
    expected_in = Decimal(cheapest["pricing"]["input_per_mtok"]) * 12000 / 1_000_000
    expected_out = Decimal(cheapest["pricing"]["output_per_mtok"]) * 800 / 1_000_000
    assert cost["model"] == cheapest["model"] and (cost["input_tokens"], cost["output_tokens"]) == (12000, 800)
    assert Decimal(cost["input_cost"]) == expected_in and Decimal(cost["output_cost"]) == expected_out
    assert Decimal(cost["total_cost"]) == expected_in + expected_out and cost["currency"] == "USD"

    # 5. A selection meeting every requirement, with fallbacks and reasons.
    chosen = json.loads(selection)
    picks = [chosen["selected"], *chosen["fallbacks"]]
    assert chosen["selected"] is not None and 1 <= len(chosen["fallbacks"]) <= 3
    assert all(p["category"] == "chat" and "function_calling" in p["capabilities"] for p in picks)
    assert all(p["context_window"] >= 100_000 and p["reasons"] and p["estimated_cost"] for p in picks)
