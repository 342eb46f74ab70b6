"""SPEC §9's normalization budget (≤ 15 µs per model) for a LiteLLM proxy, whose parse merges three endpoints.

Measured on the real 1.109.1 capture (257 public names, 258 /model/info rows) and on a load-balanced variant of
it where every name is served by three deployments: each /model/info row repeated with two more deployment ids.
"""

import copy
import time

import pytest

from modelsync.adapters.base import SourceConfig
from modelsync.adapters.litellm import parse_proxy
from modelsync.sync.pipeline import _cyclic_gc_paused
from tests.modelsync.payloads import litellm_payloads, other_findings

pytestmark = pytest.mark.benchmark
CONFIG = SourceConfig(name="bench", kind="litellm", base_url="", api_key="sk-bench")
DEPLOYMENTS_PER_NAME = 3


def load_balanced(payloads: dict) -> dict:
    """Every /model/info row, and two copies with their own deployment ids: three deployments per name."""
    rows = []
    for row in payloads["model_info"]["data"]:
        rows.append(row)
        for n in range(1, DEPLOYMENTS_PER_NAME):
            twin = copy.deepcopy(row)
            twin["model_info"]["id"] = f"{twin['model_info'].get('id')}-{n}"
            rows.append(twin)
    return {**payloads, "model_info": {"data": rows}}


@pytest.mark.parametrize("variant", ["capture", "load_balanced"])
def test_litellm_normalization_per_model(benchmark, variant):
    payloads = litellm_payloads()
    if variant == "load_balanced":
        payloads = load_balanced(payloads)
    names = len(payloads["v1_models"]["data"])

    def normalize():
        started = time.perf_counter()
        with _cyclic_gc_paused():  # as source_sync runs it
            result = parse_proxy(payloads, CONFIG)
        return result, (time.perf_counter() - started) / names

    result, per_model = benchmark(normalize)
    assert len(result.records) == names == 257 and not other_findings(result)
    median = benchmark.stats.stats.median / names if benchmark.stats else per_model
    benchmark.extra_info.update(figure=f"LiteLLM normalization per model ({variant})", budget=15, unit="us",
                                measured=median * 1e6)  # fmt: skip
