"""Loads the real captures in tests/catalog/pricing/data/ (see its README for where each came from)."""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
COST_MAP = (
    Path(__file__).resolve().parents[2] / "modelsync/payloads/costmap/model_prices_and_context_window_backup.json"
)


@cache
def _text(path: Path) -> str:
    return path.read_text()


def load(name: str):
    """A fresh decoded copy of data/<name>."""
    return json.loads(_text(DATA / name))


def openrouter_models(name: str = "openrouter_models.json") -> dict[str, dict]:
    return {model["id"]: model for model in load(name)["data"]}


def cost_map() -> dict[str, dict]:
    return json.loads(_text(COST_MAP))
