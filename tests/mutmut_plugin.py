"""A pytest plugin for mutation runs only: `make mutate` loads it with `-p tests.mutmut_plugin` ([tool.mutmut]).

mutmut forks every mutant's test run from a process that has already run the tests once, so memoized results of
the unmutated code (normalize's lru_caches) would answer instead of the mutant: they are cleared before each test.
Hypothesis draws the same examples for every mutant (derandomized, no example database), so a verdict is repeatable;
it does not shrink, so a mutant that fails a property fails fast instead of spending its time budget on a minimal
example; and it has no deadline or health checks, which the slower, instrumented code of a mutant would trip without
any behaviour changing.
"""

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "mutmut",
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile("mutmut")


def pytest_runtest_setup(item) -> None:
    from modelsync.sync.build import clear_caches

    clear_caches()
