"""A static source over a file the test writes: the real parser and pipeline, no network."""

import copy
import json

import pytest

from modelsync.models import Source
from tests.modelsync.payloads import load


def scaled_openrouter(count: int, *, seed_file: str = "openrouter/models.json") -> dict:
    """`count` real OpenRouter items, cloned under new ids when the capture has fewer."""
    items = load(seed_file)["data"]
    out = []
    for index in range(count):
        item = copy.deepcopy(items[index % len(items)])
        if index >= len(items):
            item["id"] = f"{item['id']}-copy{index // len(items)}"
        out.append(item)
    return {"data": out}


class CatalogFile:
    def __init__(self, path):
        self.path = path

    def write(self, payload: dict) -> None:
        self.path.write_text(json.dumps(payload))


@pytest.fixture
def catalog_file(tmp_path):
    return CatalogFile(tmp_path / "catalog.json")


@pytest.fixture
def file_source(catalog_file):
    return Source.objects.create(name="snapshot", kind=Source.Kind.STATIC, base_url=str(catalog_file.path))
