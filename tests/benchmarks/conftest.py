"""With benchmarks disabled (`make test`, CI), each SPEC §9 benchmark runs once as a correctness test. Its 20,000-model
variant runs the same code and the same assertions as the 2,000-model one over ten times the rows, so it is left to
`make bench` (benchmarks enabled), where the size is the point. The statement-count tests compare both sizes inside
one test and always run."""

from pathlib import Path

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    if config.getoption("benchmark_enable") or not config.getoption("benchmark_disable"):
        return
    measured_only = [
        item
        for item in items
        if HERE in Path(item.path).parents
        and getattr(item, "callspec", None)
        and item.callspec.params.get("count") == 20_000
    ]
    if measured_only:
        config.hook.pytest_deselected(items=measured_only)
        items[:] = [item for item in items if item not in measured_only]
