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
