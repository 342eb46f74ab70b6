"""Loads the real upstream captures in tests/modelsync/payloads/ (see its README for where each came from)."""

import json
from functools import cache
from pathlib import Path

PAYLOADS = Path(__file__).resolve().parent / "payloads"


@cache
def _text(relative: str) -> str:
    return (PAYLOADS / relative).read_text()


def load(relative: str):
    """A fresh decoded copy (tests may mutate it to derive variants)."""
    return json.loads(_text(relative))


def raw(relative: str) -> bytes:
    return _text(relative).encode()


def litellm_payloads(folder: str = "", prefix: str = "") -> dict:
    base = f"litellm/{folder}{prefix}"
    return {name: load(f"{base}{name}.json") for name in ("model_info", "v1_models", "model_group_info")}


PRICE_NOTE = "unknown_price_key"  # modelsync.sync.cards.FINDING_KIND: a price key the card has no unit for


def other_findings(result) -> tuple:
    """A parse's findings besides the price card's notes (which name keys like `image_token`, never count as invalid,
    and are tested on their own in tests/modelsync/adapters/test_price_cards.py)."""
    assert all(not f.counts_as_invalid for f in result.findings if f.kind == PRICE_NOTE)
    return tuple(f for f in result.findings if f.kind != PRICE_NOTE)
