"""The README's webhook receiver, run as written (the `standardwebhooks` verify call), accepts a real signed delivery
and refuses a wrong secret and a replayed one."""

import re
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.error import HTTPError

import pytest

from modelsync.changes.outbox import delivery_attempt, outbox_drain
from modelsync.changes.signing import endpoint_secret_reset, secret_new, webhook_headers
from modelsync.models import Event, WebhookDelivery, WebhookEndpoint
from tests.settings_vars import ROOT

pytestmark = pytest.mark.django_db


def readme_receiver() -> str:
    section = ROOT.joinpath("README.md").read_text().split("## Following changes", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len([line for line in code.splitlines() if line.strip()]) <= 15  # a receiver in fifteen lines at most
    return code


@pytest.fixture
def running_receiver(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = tmp_path / "receiver.py"
    script.write_text(readme_receiver().replace('("", 9000)', f'("127.0.0.1", {port})'))
    proc = None

    def start(secret: str):
        """(Re)start the receiver with `secret`, once it accepts connections."""
        nonlocal proc
        if proc:
            proc.kill()
            proc.wait()
        proc = subprocess.Popen([sys.executable, str(script)], env={"WEBHOOK_SECRET": secret},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline and proc.poll() is None, "the README receiver did not start"
            time.sleep(0.05)
        return proc

    yield port, start
    if proc:
        proc.kill()
        proc.wait()


def test_the_readme_receiver_verifies_the_signature(running_receiver, settings):
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True
    port, start = running_receiver
    endpoint = WebhookEndpoint(name="readme", url=f"http://127.0.0.1:{port}/")
    secret = endpoint_secret_reset(endpoint)
    endpoint.save()
    Event.objects.create(type="model.price_changed", data={"model": "acme/chat", "changes": {}})

    start(secret)
    (pk,) = outbox_drain()
    assert delivery_attempt(pk) is None
    assert WebhookDelivery.objects.get().last_status_code == 204

    Event.objects.create(type="model.deactivated", data={"model": "acme/chat", "changes": {}})
    start(secret_new())
    (pk,) = outbox_drain()
    delivery_attempt(pk)
    assert WebhookDelivery.objects.get(pk=pk).last_status_code == 401


def test_the_readme_receiver_refuses_a_replay_of_a_signed_delivery(running_receiver):
    """A delivery captured and sent again ten minutes on: signed by the secret, but its timestamp is too old."""
    port, start = running_receiver
    secret = secret_new()
    start(secret)
    body = b'{"delivery":"d","event":null,"type":"webhook.test"}'

    def post(age: int) -> int:
        headers = webhook_headers([secret], "msg_replayed", int(time.time()) - age, body)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except HTTPError as error:
            return error.code

    assert (post(0), post(600)) == (204, 401)
