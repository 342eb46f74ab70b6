"""scripts/ensure_apt_package.sh (`make test` installs chromium and wrk): says it installs as root, and
MODELSYNC_NO_APT=1 installs nothing. apt-get is a stand-in on PATH that records its calls."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ensure_apt_package.sh"


@pytest.fixture
def fake_apt(tmp_path):
    calls = tmp_path / "apt-calls"
    apt = tmp_path / "bin" / "apt-get"
    apt.parent.mkdir()
    apt.write_text(f'#!/bin/sh\necho "$@" >>{calls}\n')
    apt.chmod(0o755)
    return apt.parent, calls


def _ensure(bin_dir: Path, **env) -> subprocess.CompletedProcess:
    inherited = {key: value for key, value in os.environ.items() if key != "MODELSYNC_NO_APT"}
    environment = {**inherited, "PATH": f"{bin_dir}:{os.environ['PATH']}", **env}
    return subprocess.run(
        [str(SCRIPT), "no-such-program-xyz", "some-package", "the tests"],
        env=environment, capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip


def test_no_apt_installs_nothing_and_says_what_will_happen(fake_apt):
    bin_dir, calls = fake_apt
    result = _ensure(bin_dir, MODELSYNC_NO_APT="1")
    assert not calls.exists()
    assert "some-package is missing and MODELSYNC_NO_APT=1: not installing it" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path runs only as root")
def test_as_root_it_says_it_installs_before_it_does(fake_apt):
    bin_dir, calls = fake_apt
    result = _ensure(bin_dir)
    assert "apt-get install as root (MODELSYNC_NO_APT=1 skips this)" in result.stdout
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq some-package"]


def test_a_program_already_there_needs_nothing(fake_apt, tmp_path):
    bin_dir, calls = fake_apt
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    command = [str(SCRIPT), "sh", "some-package", "the tests"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True, env=env)
    assert not calls.exists() and result.stdout == result.stderr == ""
