#!/usr/bin/env python3
"""Prints the SPEC §9 table from pytest-benchmark's JSON: figure, budget, measured, ratio (measured / budget).

Each benchmark names its figure and budget in `benchmark.extra_info` ("figure", "budget", "unit"; optionally
"measured" when the figure is not the benchmark's own median, e.g. a statement count or a per-model time, and
"higher_is_better" for throughputs). A figure without a budget is a reference, printed without a verdict.
"""

import json
import sys

UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def row(bench: dict) -> tuple[str, str, str, str] | None:
    info = bench.get("extra_info", {})
    if "figure" not in info:
        return None
    unit = info.get("unit", "s")
    measured = info.get("measured")
    if measured is None:  # the benchmark's own median, converted from seconds to the budget's unit
        measured = bench["stats"]["median"] / UNITS[unit]
    budget = info.get("budget")
    if budget is None:  # a reference figure, shown beside the budgeted ones
        return info["figure"], "-", f"{measured:.4g} {unit}", "-"
    if info.get("higher_is_better"):  # throughput: the ratio is budget / measured, so above 1 is still "over"
        return info["figure"], f">= {budget:g} {unit}", f"{measured:.4g} {unit}", _verdict(budget / measured)
    return info["figure"], f"{budget:g} {unit}", f"{measured:.4g} {unit}", _verdict(measured / budget)


def _verdict(ratio: float) -> str:
    return f"{ratio:.2f} {'ok' if ratio <= 1 else 'OVER'}"


def main(path: str) -> int:
    with open(path) as handle:
        benchmarks = json.load(handle)["benchmarks"]
    rows = [r for r in map(row, benchmarks) if r]
    header = ("figure", "budget", "measured", "ratio")
    widths = [max(len(str(cells[i])) for cells in [header, *rows]) for i in range(4)]
    for cells in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "var/bench.json"))
