"""The pure reconcile: records and rows built in code, no database; hypothesis checks the contract on random inputs."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from modelsync.sync.reconcile import (
    CatalogRow,
    SyncPlan,
    field_changes,
    filter_records,
    jsonable,
    model_name_wanted,
    reconcile,
)
from modelsync.sync.records import ModelRecord


def record(i: int, **changes) -> ModelRecord:
    return ModelRecord(external_id=f"v/m-{i}", model=f"v/m-{i}", display_name=f"M{i}", **changes)


def row(pk: int, rec: ModelRecord, *, active=True, misses=0, content_hash=None) -> CatalogRow:
    return CatalogRow(pk, rec.external_id, rec.model, content_hash or rec.content_hash(), active, misses)


def test_plan_sorts_every_case():
    a, b, c, d, e, f = (record(i) for i in range(6))
    rows = [row(1, a), row(2, b, content_hash="old"), row(3, c, active=False), row(4, d, misses=1), row(6, f)]
    plan = reconcile(rows, (a, b, c, e), miss_threshold=2)
    assert plan.unchanged == 1 and plan.creates == [e]
    assert [r.id for r, _ in plan.updates] == [2] and [r.id for r, _ in plan.reactivations] == [3]
    assert [r.id for r in plan.deactivations] == [4] and [r.id for r in plan.misses] == [6]
    assert (plan.active_before, plan.missing_count, plan.reactivated_count) == (4, 2, 1)


def test_a_changed_inactive_row_is_an_update_counted_as_reactivated():
    a = record(1)
    plan = reconcile([row(1, a, active=False, content_hash="old")], (a,), miss_threshold=3)
    assert (plan.updated_count, plan.reactivated_count) == (0, 1)


def test_seen_again_before_the_threshold_resets_the_counter_without_an_update():
    a = record(1)
    plan = reconcile([row(1, a, misses=2)], (a,), miss_threshold=3)
    assert plan.unchanged == 1 and [r.id for r in plan.miss_resets] == [1] and not plan.changes_catalog


def test_invalid_items_are_not_missing():
    a, b = record(1), record(2)
    plan = reconcile([row(1, a), row(2, b)], (a,), miss_threshold=1, invalid_ids=frozenset({b.external_id}))
    assert not plan.deactivations and not plan.misses


def test_an_id_less_invalid_item_means_nothing_is_missed():
    plan = reconcile([row(1, record(1)), row(2, record(2))], (record(1),), miss_threshold=1, count_misses=False)
    assert plan.writes_nothing


def test_inactive_rows_that_stay_away_are_left_alone():
    plan = reconcile([row(1, record(1), active=False, misses=5)], (record(2),), miss_threshold=1)
    assert not plan.misses and not plan.deactivations and plan.creates == [record(2)]


def test_identical_input_writes_nothing():
    recs = tuple(record(i) for i in range(5))
    plan = reconcile([row(i, r) for i, r in enumerate(recs)], recs, miss_threshold=3)
    assert plan.writes_nothing and plan.unchanged == 5


def test_field_changes_lists_only_what_differs_as_json_ready_old_new_pairs():
    old = record(1, input_cost_per_mtok=Decimal("1.50"), tags=("a",))
    new = replace(old, input_cost_per_mtok=Decimal("2"), context_window=8192)
    assert field_changes(old.synced_values(), new) == {
        "input_cost_per_mtok": ["1.5", "2"],
        "context_window": [None, 8192],
    }
    assert field_changes({**old.synced_values(), "input_cost_per_mtok": Decimal("1.500000000")}, old) == {}


def test_exclude_wins_over_include_and_no_include_means_everything():
    assert model_name_wanted("openai/gpt-4o", [], [])
    assert not model_name_wanted("openai/gpt-4o", ["openai/*"], ["*gpt-4o"])
    assert not model_name_wanted("anthropic/claude", ["openai/*"], [])
    recs = (record(1), record(2))
    assert filter_records(recs, include=["*"], exclude=["v/m-1"]) == (recs[1],)


names = st.text(alphabet="ab/-:*", min_size=1, max_size=6)


@given(name=names, include=st.lists(names, max_size=3), exclude=st.lists(names, min_size=1, max_size=3))
def test_a_name_matching_an_exclude_is_never_kept(name, include, exclude):
    if name in exclude:
        assert not model_name_wanted(name, include, exclude)


# A catalog state: per index, absent or (active, misses, hash-is-current); an upstream: the listed indexes.
row_states = st.dictionaries(st.integers(0, 15), st.tuples(st.booleans(), st.integers(0, 4), st.booleans()))
listings = st.sets(st.integers(0, 15))


def _rows(states) -> list[CatalogRow]:
    return [row(i, record(i), active=a, misses=m if a else 0, content_hash=None if same else "stale")
            for i, (a, m, same) in states.items()]  # fmt: skip


@given(states=row_states, listed=listings, invalid=st.sets(st.integers(0, 15)), threshold=st.integers(1, 4))
def test_every_record_and_row_lands_in_exactly_one_bucket(states, listed, invalid, threshold):
    rows, recs = _rows(states), tuple(record(i) for i in sorted(listed))
    invalid_ids = frozenset(record(i).external_id for i in invalid - listed)
    plan = reconcile(rows, recs, miss_threshold=threshold, invalid_ids=invalid_ids)
    seen_ids = [r.external_id for r in plan.creates] + [r.external_id for _, r in plan.updates + plan.reactivations]
    assert len(seen_ids) + plan.unchanged == len(recs) and len(set(seen_ids)) == len(seen_ids)
    missed = {r.external_id for r in plan.misses + plan.deactivations}
    assert not missed & {r.external_id for r in recs} and not missed & invalid_ids
    assert all(r.is_active for r in plan.misses + plan.deactivations)
    assert all(r.consecutive_misses + 1 >= threshold for r in plan.deactivations)
    assert all(r.consecutive_misses + 1 < threshold for r in plan.misses)


def _applied(rows: list[CatalogRow], plan, start: int) -> list[CatalogRow]:
    """What the catalog looks like after applying `plan` (the services' semantics on plain values)."""
    by_id = {r.id: r for r in rows}
    for r, rec in plan.updates + plan.reactivations:
        by_id[r.id] = replace(r, content_hash=rec.content_hash(), is_active=True, consecutive_misses=0)
    for r in plan.miss_resets:
        by_id[r.id] = replace(r, consecutive_misses=0)
    for r in plan.misses:
        by_id[r.id] = replace(r, consecutive_misses=r.consecutive_misses + 1)
    for r in plan.deactivations:
        by_id[r.id] = replace(r, is_active=False, consecutive_misses=r.consecutive_misses + 1)
    created = [row(start + n, rec) for n, rec in enumerate(plan.creates)]
    return [*by_id.values(), *created]


@given(states=row_states, listed=listings, threshold=st.integers(1, 4))
def test_after_applying_a_plan_the_same_listing_changes_no_entry(states, listed, threshold):
    rows, recs = _rows(states), tuple(record(i) for i in sorted(listed))
    after = _applied(rows, reconcile(rows, recs, miss_threshold=threshold), start=100)
    again = reconcile(after, recs, miss_threshold=threshold)
    assert not (again.creates or again.updates or again.reactivations or again.miss_resets)
    assert again.unchanged == len(recs)
    assert len(after) >= len(rows)  # never a delete


def test_a_threshold_below_one_deactivates_at_the_first_miss():
    a, b = record(1), record(2)
    for threshold in (0, -3, 1):
        plan = reconcile([row(1, a), row(2, b)], (a,), miss_threshold=threshold)
        assert [r.id for r in plan.deactivations] == [2] and plan.misses == []


def test_a_row_is_deactivated_exactly_when_its_misses_reach_the_threshold():
    a = record(1)
    for misses, threshold, deactivated in [(0, 2, False), (1, 2, True), (1, 3, False), (2, 3, True), (5, 3, True)]:
        plan = reconcile([row(1, a, misses=misses)], (), miss_threshold=threshold)
        assert (plan.deactivations != [], plan.misses != []) == (deactivated, not deactivated)


def test_the_plan_summary_counts_every_bucket_and_samples_names():
    recs = [record(i) for i in range(30)]
    rows = [row(1, recs[0]), row(2, recs[1], content_hash="old"), row(3, recs[2], active=False),
            row(4, recs[3], active=False, content_hash="old"), row(5, recs[4], misses=2), row(6, recs[5])]  # fmt: skip
    plan = reconcile(rows, (recs[0], recs[1], recs[2], recs[3], *recs[6:]), miss_threshold=3)
    assert plan.summary() == {
        "create": 24, "update": 1, "reactivate": 2, "deactivate": 1, "miss": 1, "unchanged": 1, "active_before": 4,
        "create_sample": [f"v/m-{i}" for i in range(6, 26)], "update_sample": ["v/m-1", "v/m-3"],
        "deactivate_sample": ["v/m-4"], "miss_sample": ["v/m-5"],
    }  # fmt: skip
    assert plan.summary(sample=1)["create_sample"] == ["v/m-6"] and plan.summary(sample=1)["update_sample"] == ["v/m-1"]
    assert SyncPlan().summary() == {
        "create": 0, "update": 0, "reactivate": 0, "deactivate": 0, "miss": 0, "unchanged": 0, "active_before": 0,
        "create_sample": [], "update_sample": [], "deactivate_sample": [], "miss_sample": [],
    }  # fmt: skip


def test_include_alone_keeps_only_its_matches_and_exclude_alone_drops_only_its_matches():
    recs = tuple(record(i) for i in range(4))
    assert filter_records(recs, include=["v/m-[02]"], exclude=[]) == (recs[0], recs[2])
    assert filter_records(recs, include=[], exclude=["v/m-[02]"]) == (recs[1], recs[3])
    assert filter_records(iter(recs), include=(), exclude=()) == recs
    assert filter_records((), include=["*"], exclude=[]) == ()


def test_include_and_exclude_may_be_one_shot_iterables():
    recs = tuple(record(i) for i in range(4))
    kept = filter_records(recs, include=iter(["v/m-[123]"]), exclude=(name for name in ["v/m-2"]))
    assert kept == (recs[1], recs[3])


def test_globs_are_case_sensitive_and_match_the_whole_name():
    assert model_name_wanted("openai/gpt-4o", ["openai/*"], ["*mini"])
    assert not model_name_wanted("OpenAI/gpt-4o", ["openai/*"], [])
    assert not model_name_wanted("x/openai/gpt-4o", ["openai/*"], [])
    assert model_name_wanted("openai/GPT-4o-MINI", [], ["*mini"])


def test_change_history_values_are_json_ready():
    moment = datetime(2098, 12, 31, tzinfo=UTC)
    assert jsonable(Decimal("10.000000000")) == "10" and jsonable(Decimal("0.000000100")) == "0.0000001"
    assert jsonable(Decimal("1E+3")) == "1000" and jsonable(Decimal("0E-9")) == "0"
    assert jsonable(moment) == "2098-12-31T00:00:00+00:00"
    assert jsonable(moment.astimezone(timezone(timedelta(hours=-4)))) == "2098-12-30T20:00:00-04:00"
    assert [jsonable(v) for v in (None, 3, "x", ["a"], True)] == [None, 3, "x", ["a"], True]


def test_field_changes_of_a_date_and_a_price_to_a_round_number():
    old = record(1, expires_at=datetime(2098, 12, 31, tzinfo=UTC), output_cost_per_mtok=Decimal("9.5"))
    new = replace(old, expires_at=None, output_cost_per_mtok=Decimal("10.000000000"))
    assert field_changes(old.synced_values(), new) == {
        "expires_at": ["2098-12-31T00:00:00+00:00", None],
        "output_cost_per_mtok": ["9.5", "10"],
    }
    assert field_changes({}, record(2, tags=("free",))) == {
        name: [None, jsonable(value)] for name, value in record(2, tags=("free",)).synced_values().items()
        if value is not None
    }  # fmt: skip
