"""A hypothesis state machine drives many syncs over random upstream lists (real OpenRouter items) and staff edits."""

import copy
import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from catalog.models import STAFF_FIELDS, LLMModel
from modelsync.models import ModelChange, Source, SyncRun
from modelsync.sync.pipeline import source_sync
from tests.modelsync.payloads import load

UNIVERSE = load("openrouter/models.json")["data"][:12]
INDEXES = st.integers(0, len(UNIVERSE) - 1)
MISS_THRESHOLD = 2
# What staff can type: any text but NUL (PostgreSQL text cannot hold it) and lone surrogates.
STAFF_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


class CatalogMachine(RuleBasedStateMachine):
    """The model: which items upstream lists (with which price), each id's consecutive misses, staff edits."""

    tmp = None  # set by the test: a folder for the static source's file

    def __init__(self):
        super().__init__()
        for model in (ModelChange, LLMModel, SyncRun, Source):
            model.objects.all().delete()
        self.path = self.tmp / "catalog.json"
        self.source = Source.objects.create(name="machine", kind="static", base_url=str(self.path))
        self.items = copy.deepcopy(UNIVERSE)
        self.listed: list[int] = list(range(len(UNIVERSE)))
        self.edits: dict[str, dict] = {}
        self.misses: dict[str, int] = {}
        self.rows = 0

    @rule(indexes=st.sets(INDEXES))
    def upstream_lists(self, indexes):
        self.listed = sorted(indexes)

    @rule(index=INDEXES, price=st.sampled_from(["0.000001", "0.0000025", "0.00001"]))
    def upstream_reprices(self, index, price):
        self.items[index]["pricing"]["prompt"] = price

    @rule(
        index=INDEXES,
        name=st.text(STAFF_TEXT, min_size=1, max_size=20),
        hidden=st.booleans(),
        notes=st.text(STAFF_TEXT, max_size=10),
    )
    def staff_edits(self, index, name, hidden, notes):
        edit = {"staff_display_name": name, "is_hidden": hidden, "staff_notes": notes, "staff_tags": [name]}
        external_id = UNIVERSE[index]["id"]
        if LLMModel.objects.filter(source=self.source, external_id=external_id).update(**edit):
            self.edits[external_id] = edit

    @rule()
    def sync(self):
        self.path.write_text(json.dumps({"data": [self.items[i] for i in self.listed]}))
        run = source_sync(source=self.source, trigger="cli")
        if not self.listed:
            assert (run.status, run.error_kind) == ("refused", "empty")
            return
        assert run.status == "succeeded", run.error_message
        seen = {UNIVERSE[i]["id"] for i in self.listed}
        for external_id in set(self.misses) | seen:
            self.misses[external_id] = 0 if external_id in seen else self.misses[external_id] + 1
        again = source_sync(source=self.source, trigger="cli")  # the same list again: no entry changes
        assert (again.created, again.updated, again.reactivated, again.unchanged) == (0, 0, 0, len(seen))
        for external_id in set(self.misses) - seen:
            self.misses[external_id] += 1
        assert again.deactivated == sum(1 for i in set(self.misses) - seen if self.misses[i] == MISS_THRESHOLD)

    @invariant()
    def no_row_is_ever_deleted(self):
        count = LLMModel.objects.filter(source=self.source).count()
        assert count >= self.rows and count == len(self.misses)
        self.rows = count

    @invariant()
    def overrides_are_untouched(self):
        for external_id, edit in self.edits.items():
            row = LLMModel.objects.filter(source=self.source, external_id=external_id).values(*STAFF_FIELDS).get()
            assert {name: row[name] for name in edit} == edit

    @invariant()
    def active_means_seen_within_the_miss_threshold(self):
        for external_id, active in LLMModel.objects.filter(source=self.source).values_list("external_id", "is_active"):
            assert active == (self.misses[external_id] < MISS_THRESHOLD)


@pytest.mark.django_db
def test_many_syncs_keep_the_catalog_invariants(tmp_path, settings):
    settings.MODELSYNC_MISS_THRESHOLD = MISS_THRESHOLD
    settings.MODELSYNC_MAX_DEACTIVATE_FRACTION = 1.0  # the brake has its own tests; here any list may apply
    CatalogMachine.tmp = tmp_path
    run_state_machine_as_test(CatalogMachine, settings=machine_settings())


def machine_settings():
    return settings(max_examples=25, stateful_step_count=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
