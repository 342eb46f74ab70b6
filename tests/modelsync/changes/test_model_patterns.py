"""An endpoint limited to models: the pure match (names and fnmatch globs, case-insensitive; events about no model
pass) and the check each pattern gets on the admin form."""

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsync.changes.scope import MAX_PATTERN_LENGTH, model_matcher, model_pattern_problem

NAMES = ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1", "anthropic/claude-sonnet-4-5",
         "gemini/gemini-2.5-pro"]  # fmt: skip
name_chars = st.sampled_from("abcxyzABC0129-_./:@")
names = st.text(name_chars, min_size=1, max_size=30)
patterns = st.text(st.sampled_from("abcxyzAB019-_./*?[]!"), min_size=1, max_size=12).filter(
    lambda p: model_pattern_problem(p) is None
)


@pytest.mark.parametrize(
    ("wanted", "heard"),
    [
        ([], NAMES),
        (["openai/gpt-4o"], ["openai/gpt-4o"]),  # an exact name is that name only, not its -mini
        (["openai/gpt-4o*"], ["openai/gpt-4o", "openai/gpt-4o-mini"]),
        (["OpenAI/GPT-4o"], ["openai/gpt-4o"]),  # case-insensitive
        (["*claude-sonnet*", "gemini/*"], ["anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-pro"]),
        (["openai/gpt-4.?"], ["openai/gpt-4.1"]),
        (["openai/gpt-4[o.]*"], ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1"]),
        (["mistral/*"], []),
    ],
)
def test_names_and_globs_pick_the_models(wanted, heard):
    matches = model_matcher(wanted)
    assert [name for name in NAMES if matches(name)] == heard
    assert matches(None)  # an event about no model (a source failing) is for every endpoint


@given(st.lists(patterns, max_size=5), names)
def test_the_match_is_fnmatch_of_any_pattern_ignoring_case(wanted, name):
    expected = not wanted or any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in wanted)
    assert model_matcher(wanted)(name) is expected


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "An empty pattern names no model"),
        ("   ", "An empty pattern names no model"),
        ("x" * (MAX_PATTERN_LENGTH + 1), f"is longer than {MAX_PATTERN_LENGTH} characters"),
        ("openai/gpt 4o", "contains a space or a control character"),
        ("openai/gpt-4o\x00", "contains a space or a control character"),
        ("openai/gpt-[4o", "never closed with ]"),
        ("openai/[!]*", "never closed with ]"),  # "]" right after "[!" is a member, not the end
    ],
)
def test_a_pattern_that_cannot_name_a_model_is_refused_with_a_reason(pattern, problem):
    assert problem in model_pattern_problem(pattern)


ACCEPTED = ["openai/gpt-4o", "openai/gpt-4o*", "*", "gemini/gemini-2.?-pro", "x[]]y", "a[!b]c",
            "x" * MAX_PATTERN_LENGTH, "ollama/llama3:8b", "azure/gpt@eu"]  # fmt: skip


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_names_and_well_formed_globs_are_accepted(pattern):
    assert model_pattern_problem(pattern) is None
