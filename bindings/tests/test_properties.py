"""Property tests of the Python layer (Hypothesis): whatever a user passes, the answer is a
result or a ValueError/TypeError naming the problem, never another exception or a crash;
every distribution that validates draws finite, ordered values inside its support."""

from __future__ import annotations

import copy
import math

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import infersim  # noqa: E402
from infersim import _args  # noqa: E402

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written into the source tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | finite | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)
distributions = st.one_of(
    st.builds(lambda a, b: {"dist": "uniform", "min": min(a, b), "max": max(a, b)}, finite, finite),
    st.builds(lambda a, b, c: dict(zip(("min", "mode", "max"), sorted((a, b, c))), dist="pert"), finite, finite, finite),
    st.builds(lambda m, s: {"dist": "normal", "mean": m, "sd": s}, finite, finite),
    st.builds(lambda m, s: {"dist": "lognormal", "mean": m, "sd": s}, finite, finite),
    st.builds(lambda m, p: {"dist": "lognormal", "median": m, "p90": p}, finite, finite),
    st.builds(lambda a, b: {"dist": "beta", "alpha": a, "beta": b, "min": 0.03, "max": 0.12},
              st.floats(1e-4, 1e8), st.floats(1e-4, 1e8)),
)


@SETTINGS
@given(distributions)
def test_a_valid_distribution_draws_finite_ordered_values_in_its_support(spec):
    try:
        d = infersim._core.Distribution.from_json(spec)
    except ValueError:
        return
    lo, hi = d.support
    prev = -math.inf
    for u in (1e-12, 1e-6, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 1e-6, 1 - 1e-12):
        x = d.quantile(u)
        assert math.isfinite(x), (spec, u, x)
        assert lo <= x <= hi, (spec, u, x)
        assert x >= prev, (spec, u, x)
        prev = x


@SETTINGS
@given(json_values)
def test_any_json_like_value_is_a_scenario_or_a_clear_error(value):
    try:
        infersim.Scenario.from_dict(value if isinstance(value, dict) else {"name": value})
    except (ValueError, TypeError):
        pass


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["market", "player", "clusters", "simulation"]), json_values),
                min_size=1, max_size=3))
def test_default_scenario_with_any_section_replaced(default_dict, replacements):
    doc = copy.deepcopy(default_dict)
    for key, value in replacements:
        doc[key] = value
    try:
        infersim.Scenario.from_dict(doc)
    except (ValueError, TypeError):
        pass


@SETTINGS
@given(st.one_of(st.integers(-(2**70), 2**70), finite, st.booleans(), st.text(max_size=4), st.none()))
def test_paths_and_seeds_are_whole_numbers_or_value_errors(value):
    for check, lo, hi in ((_args.paths, 1, 10**12), (_args.seed, 0, 2**64 - 1)):
        try:
            got = check(value)
        except ValueError:
            assert value is not None
            continue
        if value is None:
            assert got is None
        else:
            assert not isinstance(value, bool) and got == value and lo <= got <= hi
