"""The README from a clean copy, run exactly as written so the doc cannot drift (issues #15, #24).

A copy of the checkout (what a clean clone holds) runs `make run` on a fresh SQLite database with nothing configured:
the bundled demo catalog. Each ```sh block of "Your first five minutes" runs in one bash, in order, from the copy, and
each answer is checked: it says it is the demo, step 4 prices a paid model, step 5 explains an empty default selection
and picks from the demo when asked. Then the block of "Pointing it at your LiteLLM proxy" runs as written, against a
loopback LiteLLM proxy answering with the real 1.109.1 captures: after its one sync the list holds exactly the
gateway's public names and step 5 picks only among them. `make stop` ends each.
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
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tests.modelsync.fake_upstream import litellm_proxy
from tests.modelsync.payloads import litellm_payloads

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Your first five minutes"
POINTING = "## Pointing it at your LiteLLM proxy"
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


@contextmanager
def _running(command: list[str], clone: Path, env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`command` (make run, or a README block that ends in it) serving from `clone`, until `make stop`."""
    log = log_path.open("wb")
    run = subprocess.Popen(command, cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        deadline = time.monotonic() + 180
        while not _answers(f"{base}/healthz"):
            assert run.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        yield base
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


def test_the_readme_from_a_clean_copy_the_demo_then_a_gateway(tmp_path):
    """A new user's first hour: the demo's five minutes, then "Pointing it at your LiteLLM proxy" and one sync."""
    clone = _checkout_copy(tmp_path / "modelsync")
    readme = (clone / "README.md").read_text()
    env = _user_environment(PORT=str(_free_port()))
    with _running(["make", "run"], clone, env, tmp_path / "demo.log") as base:
        outputs = _run_blocks(first_five_minutes_blocks(readme), clone, env)
        _check_the_demo(base, *outputs)

    with litellm_proxy(lifetime=280) as proxy:
        gateway_names = {item["id"] for item in litellm_payloads()["v1_models"]["data"]}
        pointing = pointing_block(readme, url=proxy.url, key="sk-readme-0000")
        with _running(["bash", "-e", "-c", pointing], clone, env, tmp_path / "gateway.log") as base:
            listed = _every_model(base, clone, env)
            (selection,) = _run_blocks([f"{_TOKEN}\n{first_five_minutes_blocks(readme)[4]}"], clone, env)
    log = (tmp_path / "gateway.log").read_text()
    assert "static source 'static' disabled: the source 'litellm' was added" in log

    # After one sync the list holds exactly the gateway's public names, every one callable through it.
    assert len(listed) == len(gateway_names) == 257 and {m["model"] for m in listed} == gateway_names
    assert {(m["source"], m["callable"], m["not_callable_reason"]) for m in listed} == {("litellm", True, None)}
    # Step 5 now picks only among them, with and without callable_only.
    for answer in map(json.loads, selection.splitlines()):
        picks = [answer["selected"], *answer["fallbacks"]]
        assert answer["selected"] is not None and not answer["nothing_callable"] and answer["reasons"] == []
        assert all(p["model"] in gateway_names and p["source"] == "litellm" and p["callable"] for p in picks)
        assert all(p["context_window"] >= 100_000 and "function_calling" in p["capabilities"] for p in picks)
        assert all(not p["reasons"][0].startswith("cannot be called") for p in picks)


# The step-2 token again, for a step run on its own later (the README's step 2 makes one; --rotate replaces it).
_TOKEN = "MODELSYNC=http://127.0.0.1:${PORT:-8000}\nTOKEN=$(.venv/bin/python manage.py create_token alice --rotate)"


def pointing_block(readme: str, *, url: str, key: str) -> str:
    """The first ```sh block of "Pointing it at your LiteLLM proxy", with the proxy's address and the test's key."""
    section = readme.split(POINTING, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```sh\n(.*?)^```", section, re.M | re.S).group(1)
    assert "LITELLM_PROXY_URL=http://127.0.0.1:4000" in block and "LITELLM_API_KEY=sk-..." in block, block
    assert block.rstrip().endswith("make run"), block
    return block.replace("http://127.0.0.1:4000", url).replace("sk-...", key)


def _every_model(base: str, clone: Path, env: dict[str, str]) -> list[dict]:
    """Every entry of GET /api/v1/models/, page after page, with a token made as step 2 makes one."""
    token = subprocess.run([".venv/bin/python", "manage.py", "create_token", "bob"], cwd=clone, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    url, entries = f"{base}/api/v1/models/?page_size=100", []
    while url:
        page = requests.get(url, headers={"Authorization": f"Token {token}"}, timeout=30).json()
        entries += page["results"]
        url = page["next"]
    return entries


def _check_the_demo(base: str, login: str, token: str, listing: str, cost_lines: str, selection: str) -> None:
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

    # 3. Paid chat models with function calling at most $5/Mtok input, cheapest first: the demo catalog, and it says so.
    models = json.loads(listing)["results"]
    prices = [Decimal(m["pricing"]["input_per_mtok"]) for m in models]
    assert len(models) == 3 and prices == sorted(prices) and all(0 < price <= 5 for price in prices)
    assert all(m["category"] == "chat" and "function_calling" in m["capabilities"] for m in models)
    assert {(m["source"], m["callable"], m["not_callable_reason"]) for m in models} == {
        ("static", False, "demo_catalog")
    }

    # 4. The cost of the cheapest, exact to the price per million tokens, and not zero.
    cheapest = models[0]
    cost = json.loads(cost_lines)
    expected_in = Decimal(cheapest["pricing"]["input_per_mtok"]) * 12000 / 1_000_000
    expected_out = Decimal(cheapest["pricing"]["output_per_mtok"]) * 800 / 1_000_000
    assert cost["model"] == cheapest["model"] and (cost["input_tokens"], cost["output_tokens"]) == (12000, 800)
    assert Decimal(cost["input_cost"]) == expected_in and Decimal(cost["output_cost"]) == expected_out
    assert Decimal(cost["total_cost"]) == expected_in + expected_out > 0 and cost["currency"] == "USD"

    # 5. By default nothing callable, and the answer says what to do; with callable_only false, demo picks that say
    # first why they cannot be called, each meeting every requirement, with fallbacks and costs.
    refused, chosen = map(json.loads, selection.splitlines())
    assert refused["selected"] is None and refused["nothing_callable"] is True
    assert refused["reasons"] == [
        "no model in the catalog can be called: the bundled demo catalog is not a gateway; set LITELLM_PROXY_URL"
    ]
    picks = [chosen["selected"], *chosen["fallbacks"]]
    assert chosen["selected"] is not None and 1 <= len(chosen["fallbacks"]) <= 3 and chosen["callable_only"] is False
    assert all(p["category"] == "chat" and "function_calling" in p["capabilities"] for p in picks)
    assert all(p["context_window"] >= 100_000 and p["reasons"] and p["estimated_cost"] for p in picks)
    assert all(p["reasons"][0].startswith("cannot be called: the bundled demo catalog is not a gateway") for p in picks)
