#!/usr/bin/python3
"""The infersim model in NumPy/SciPy: an independent twin of the C++ engine.

This is the model of ``model.md`` written the way an analyst would write it in
a notebook: every quantity is an array over Monte Carlo paths, shape
``(paths,)`` for inputs and scalars and ``(paths, years)`` for series; loops
run only over years, clusters and vintages.  It reads scenarios in the format
of ``scenario-format.md`` and returns a result shaped like the engine's JSON.

It serves two purposes:

1. the speed baseline the benchmark compares the engine with;
2. a second implementation whose means the engine's are tested against.

Sampling is plain Monte Carlo from ``numpy.random.default_rng(seed)``, so
results agree with the engine's in distribution, not bit for bit.

Example::

    >>> import numpy_model as nm
    >>> result = nm.run("bench/fixtures/bench-2cluster.json", paths=10_000, seed=1)
    >>> result["series"]["revenue_usd"]["mean"]          # one value a year

Command line::

    /usr/bin/python3 bench/numpy_model.py SCENARIO.json [--paths N] [--seed S] [--out result.json]
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
from scipy import stats

__all__ = [
    "ScenarioError",
    "Distribution",
    "load_scenario",
    "input_specs",
    "sample_inputs",
    "evaluate",
    "statistics",
    "run",
    "roofline",
    "SERIES_NAMES",
    "SCALAR_NAMES",
]

__version__ = "0.1.0"

SECONDS_PER_YEAR = 3.1536e7  # model.md §4: 365 days
HOURS_PER_YEAR = 8760.0  # model.md §6
PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
IRR_BRACKET = (-0.99, 10.0)  # model.md §7
BLOCK_PATHS = 65536  # paths evaluated at once by run()

SERIES_NAMES = (
    "market_spend_usd", "price_usd_per_mtok", "demand_tokens", "capacity_tokens",
    "served_tokens", "unserved_tokens", "utilization", "revenue_usd", "capex_usd",
    "depreciation_usd", "power_cost_usd", "opex_usd", "ebit_usd", "fcf_usd", "ebit_ratio",
)  # model.md §9
SCALAR_NAMES = ("npv_usd", "irr", "payback_year", "total_capex_usd", "cumulative_fcf_usd")


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message starts with the JSON path."""


# ---------------------------------------------------------------------------
# Scenario schema (scenario-format.md)
# ---------------------------------------------------------------------------

# Numeric leaves, in the order inputs are listed. None means required.
MARKET_KEYS = {
    "spend0_usd": None,
    "spend_growth": None,
    "growth_decay": 1.0,
    "price0_usd_per_mtok": None,
    "price_decline": None,
}
PLAYER_KEYS = {
    "share_start": "share_end",  # defaults to the same draw as share_end
    "share_end": None,
    "share_ramp_years": 0.0,
    "price_ratio": None,
    "max_utilization": None,
    "sga_rate": None,
    "tax_rate": None,
    "wacc": None,
    "baseline_ebit_usd": None,
}
CLUSTER_KEYS = {
    "power_gw": None,
    "online_year": None,
    "ramp_years": None,
    "pue": None,
    "watts_per_accelerator": None,
    "tokens_per_sec_per_accelerator": None,
    "hardware_gain": None,
    "software_gain": None,
    "availability": None,
    "inference_alloc": None,
    "facility_capex_usd_per_gw": None,
    "facility_life_years": None,
    "it_cost_usd_per_accelerator": None,
    "it_cost_growth": None,
    "it_life_years": None,
    "power_price_usd_per_mwh": None,
    "idle_power_fraction": None,
    "opex_rate": None,
    "capex_overrun": 0.0,
}
SIMULATION_DEFAULTS = {"paths": 10000, "seed": 0, "sampler": "random", "antithetic": False}
TOP_REQUIRED = ("name", "start_year", "horizon_years", "market", "player", "clusters")
TOP_OPTIONAL = {"description": "", "simulation": {}, "correlations": [], "claims": [], "stresses": {}}

# Range of every input, checked on the sampled values: (low, low_inclusive, high, high_inclusive).
_INF = math.inf
INPUT_RANGES = {
    "spend0_usd": (0, True, _INF, False),
    "spend_growth": (-1, False, _INF, False),
    "growth_decay": (-_INF, False, _INF, False),
    "price0_usd_per_mtok": (0, False, _INF, False),
    "price_decline": (-_INF, False, 1, False),
    "share_start": (0, True, 1, True),
    "share_end": (0, True, 1, True),
    "share_ramp_years": (0, True, _INF, False),
    "price_ratio": (0, False, _INF, False),
    "max_utilization": (0, False, 1, True),
    "sga_rate": (0, True, _INF, False),
    "tax_rate": (0, True, 1, True),
    "wacc": (-1, False, _INF, False),
    "baseline_ebit_usd": (-_INF, False, _INF, False),
    "growth": (-1, False, _INF, False),  # player.terminal.growth; < wacc is checked separately
    "power_gw": (0, True, _INF, False),
    "online_year": (-_INF, False, _INF, False),  # >= start_year is checked separately
    "ramp_years": (1, True, _INF, False),
    "pue": (1, True, _INF, False),
    "watts_per_accelerator": (0, False, _INF, False),
    "tokens_per_sec_per_accelerator": (0, True, _INF, False),
    "hardware_gain": (-1, False, _INF, False),
    "software_gain": (-1, False, _INF, False),
    "availability": (0, True, 1, True),
    "inference_alloc": (0, True, 1, True),
    "facility_capex_usd_per_gw": (0, True, _INF, False),
    "facility_life_years": (0, False, _INF, False),
    "it_cost_usd_per_accelerator": (0, True, _INF, False),
    "it_cost_growth": (-1, False, _INF, False),
    "it_life_years": (0, False, _INF, False),
    "power_price_usd_per_mwh": (0, True, _INF, False),
    "idle_power_fraction": (0, True, 1, True),
    "opex_rate": (0, True, _INF, False),
    "capex_overrun": (-1, False, _INF, False),
}


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _require_object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: expected an object, got {value!r}")
    return value


def _check_keys(obj: dict, allowed, where: str) -> None:
    """Unknown keys are errors (scenario-format.md): a typo must not fall back to a default."""
    for key in obj:
        if key not in allowed:
            hint = difflib.get_close_matches(key, list(allowed), n=3)
            tail = f" (did you mean {', '.join(hint)}?)" if hint else ""
            raise ScenarioError(f"{where}.{key}: unknown key{tail}")


def _fill(obj: dict, keys: Mapping[str, Any], where: str) -> None:
    """Check required numeric leaves are present and fill the numeric defaults."""
    for key, default in keys.items():
        if key in obj:
            continue
        if default is None:
            raise ScenarioError(f"{where}.{key}: missing required key")
        if not isinstance(default, str):  # a string default names another key (an alias)
            obj[key] = default


# ---------------------------------------------------------------------------
# Distributions (scenario-format.md "Distributions", model.md §8)
# ---------------------------------------------------------------------------

_DIST_KEYS = {
    "fixed": ({"value"}, set()),
    "uniform": ({"min", "max"}, set()),
    "triangular": ({"min", "mode", "max"}, set()),
    "pert": ({"min", "mode", "max"}, set()),
    "normal": ({"mean", "sd"}, {"min", "max"}),
    "lognormal": (set(), {"median", "p90", "mu", "sigma", "mean", "sd"}),
    "beta": ({"alpha", "beta"}, {"min", "max"}),
    "discrete": ({"values"}, {"weights"}),
}
_LOGNORMAL_FORMS = ({"median", "p90"}, {"mu", "sigma"}, {"mean", "sd"})


class Distribution:
    """One input's law, sampled by inverse CDF: ``x = ppf(u)`` for ``u`` in (0, 1).

    Built from a scenario leaf (a number means ``fixed``); invalid parameters
    raise :class:`ScenarioError` naming ``where``.

    Example::

        >>> d = Distribution({"dist": "pert", "min": 0.1, "mode": 0.28, "max": 0.5}, "market.spend_growth")
        >>> d.ppf(np.array([0.5]))
    """

    def __init__(self, spec: Any, where: str):
        self.where = where
        if _is_number(spec):
            spec = {"dist": "fixed", "value": spec}
        if not isinstance(spec, dict) or "dist" not in spec:
            raise ScenarioError(f"{where}: expected a number or a distribution object, got {spec!r}")
        self.kind = spec["dist"]
        if self.kind not in _DIST_KEYS:
            raise ScenarioError(f"{where}.dist: unknown distribution {self.kind!r} "
                                f"(one of {', '.join(_DIST_KEYS)})")
        required, optional = _DIST_KEYS[self.kind]
        _check_keys(spec, required | optional | {"dist"}, where)
        for key in required:
            if key not in spec:
                raise ScenarioError(f"{where}.{key}: missing required key for {self.kind}")
        self.params = {k: v for k, v in spec.items() if k != "dist"}
        for key, value in self.params.items():
            if key in ("values", "weights"):
                continue
            if not _is_number(value):
                raise ScenarioError(f"{where}.{key}: expected a number, got {value!r}")
        self._ppf = getattr(self, f"_build_{self.kind}")()

    @property
    def fixed_value(self) -> float | None:
        """The value of a ``fixed`` input, None for a random one."""
        return float(self.params["value"]) if self.kind == "fixed" else None

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF, elementwise over ``u``."""
        return np.asarray(self._ppf(np.asarray(u, dtype=float)), dtype=float)

    def _fail(self, message: str):
        raise ScenarioError(f"{self.where}: {message}")

    # Each builder validates its parameters and returns the inverse CDF.
    def _build_fixed(self) -> Callable:
        value = float(self.params["value"])
        return lambda u: np.full_like(u, value)

    def _build_uniform(self) -> Callable:
        lo, hi = self.params["min"], self.params["max"]
        if lo > hi:
            self._fail(f"uniform needs min <= max, got min={lo}, max={hi}")
        return lambda u: lo + (hi - lo) * u

    def _three_points(self) -> tuple[float, float, float]:
        lo, mode, hi = self.params["min"], self.params["mode"], self.params["max"]
        if not lo <= mode <= hi:
            self._fail(f"{self.kind} needs min <= mode <= max, got min={lo}, mode={mode}, max={hi}")
        return lo, mode, hi

    def _build_triangular(self) -> Callable:
        lo, mode, hi = self._three_points()
        if lo == hi:
            return lambda u: np.full_like(u, lo)
        law = stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        return law.ppf

    def _build_pert(self) -> Callable:
        lo, mode, hi = self._three_points()
        if lo == hi:
            return lambda u: np.full_like(u, lo)
        # beta-PERT with lambda = 4
        a = 1 + 4 * (mode - lo) / (hi - lo)
        b = 1 + 4 * (hi - mode) / (hi - lo)
        law = stats.beta(a, b, loc=lo, scale=hi - lo)
        return law.ppf

    def _build_normal(self) -> Callable:
        mean, sd = self.params["mean"], self.params["sd"]
        if sd <= 0:
            self._fail(f"normal needs sd > 0, got sd={sd}")
        lo, hi = self.params.get("min", -_INF), self.params.get("max", _INF)
        if not lo < hi:
            self._fail(f"normal needs min < max, got min={lo}, max={hi}")
        law = stats.norm(loc=mean, scale=sd)
        if lo == -_INF and hi == _INF:
            return law.ppf
        c_lo, c_hi = law.cdf(lo), law.cdf(hi)
        if not c_hi > c_lo:
            self._fail(f"normal truncated to [{lo}, {hi}] has no probability mass")
        # Truncation: map u into [Phi(a), Phi(b)], invert, clip rounding noise.
        return lambda u: np.clip(law.ppf(c_lo + u * (c_hi - c_lo)), lo, hi)

    def _build_lognormal(self) -> Callable:
        given = set(self.params)
        if given not in _LOGNORMAL_FORMS:
            self._fail("lognormal needs exactly one of {median, p90}, {mu, sigma}, {mean, sd}; "
                       f"got {sorted(given)}")
        p = self.params
        if given == {"median", "p90"}:
            if p["median"] <= 0 or p["p90"] <= p["median"]:
                self._fail(f"lognormal needs 0 < median < p90, got median={p['median']}, p90={p['p90']}")
            mu = math.log(p["median"])
            sigma = math.log(p["p90"] / p["median"]) / stats.norm.ppf(0.9)
        elif given == {"mu", "sigma"}:
            if p["sigma"] <= 0:
                self._fail(f"lognormal needs sigma > 0, got sigma={p['sigma']}")
            mu, sigma = p["mu"], p["sigma"]
        else:
            if p["mean"] <= 0 or p["sd"] <= 0:
                self._fail(f"lognormal needs mean > 0 and sd > 0, got mean={p['mean']}, sd={p['sd']}")
            sigma = math.sqrt(math.log1p((p["sd"] / p["mean"]) ** 2))
            mu = math.log(p["mean"]) - sigma**2 / 2
        return stats.lognorm(s=sigma, scale=math.exp(mu)).ppf

    def _build_beta(self) -> Callable:
        p = self.params
        if p["alpha"] <= 0 or p["beta"] <= 0:
            self._fail(f"beta needs alpha > 0 and beta > 0, got alpha={p['alpha']}, beta={p['beta']}")
        lo, hi = p.get("min", 0.0), p.get("max", 1.0)
        if not lo < hi:
            self._fail(f"beta needs min < max, got min={lo}, max={hi}")
        return stats.beta(p["alpha"], p["beta"], loc=lo, scale=hi - lo).ppf

    def _build_discrete(self) -> Callable:
        values = self.params["values"]
        if not isinstance(values, list) or not values or not all(_is_number(v) for v in values):
            self._fail(f"discrete needs values, a non-empty list of numbers, got {values!r}")
        weights = self.params.get("weights", [1.0] * len(values))
        if (not isinstance(weights, list) or len(weights) != len(values)
                or not all(_is_number(w) and w >= 0 for w in weights) or sum(weights) <= 0):
            self._fail(f"discrete needs {len(values)} non-negative weights with a positive sum, got {weights!r}")
        order = np.argsort(values, kind="stable")
        xs = np.asarray(values, dtype=float)[order]
        cdf = np.cumsum(np.asarray(weights, dtype=float)[order])
        cdf /= cdf[-1]
        # The smallest value whose cumulative weight reaches u.
        return lambda u: xs[np.minimum(np.searchsorted(cdf, u, side="left"), len(xs) - 1)]


# ---------------------------------------------------------------------------
# Loading and validating a scenario
# ---------------------------------------------------------------------------

def load_scenario(path_or_dict: str | Path | Mapping) -> dict:
    """Read and validate a scenario; return a new dict with the defaults filled in.

    Unknown keys, missing required keys and invalid distributions raise
    :class:`ScenarioError` naming the JSON path. ``player.share_start`` is
    left out when absent: it then takes the same draw as ``share_end``.

    Example::

        >>> sc = load_scenario("bench/fixtures/bench-2cluster.json")
        >>> sc["simulation"]["paths"]
    """
    if isinstance(path_or_dict, Mapping):
        sc = copy.deepcopy(dict(path_or_dict))
    else:
        with open(path_or_dict, encoding="utf-8") as f:
            sc = json.load(f)
    where = "scenario"
    _require_object(sc, where)
    _check_keys(sc, set(TOP_REQUIRED) | set(TOP_OPTIONAL), where)
    for key in TOP_REQUIRED:
        if key not in sc:
            raise ScenarioError(f"{key}: missing required key")
    for key, default in TOP_OPTIONAL.items():
        sc.setdefault(key, copy.deepcopy(default))

    if not isinstance(sc["name"], str):
        raise ScenarioError(f"name: expected a string, got {sc['name']!r}")
    for key in ("start_year", "horizon_years"):
        if not isinstance(sc[key], int) or isinstance(sc[key], bool):
            raise ScenarioError(f"{key}: expected an integer, got {sc[key]!r}")
    if sc["horizon_years"] < 1:
        raise ScenarioError(f"horizon_years: must be >= 1, got {sc['horizon_years']}")

    sim = _require_object(sc["simulation"], "simulation")
    _check_keys(sim, SIMULATION_DEFAULTS, "simulation")
    for key, default in SIMULATION_DEFAULTS.items():
        sim.setdefault(key, default)
    _check_simulation(sim["paths"], sim["seed"])
    if sim["sampler"] not in ("random", "lhs", "sobol"):
        raise ScenarioError(f"simulation.sampler: must be random, lhs or sobol, got {sim['sampler']!r}")
    if not isinstance(sim["antithetic"], bool):
        raise ScenarioError(f"simulation.antithetic: expected true or false, got {sim['antithetic']!r}")

    market = _require_object(sc["market"], "market")
    _check_keys(market, MARKET_KEYS, "market")
    _fill(market, MARKET_KEYS, "market")

    player = _require_object(sc["player"], "player")
    _check_keys(player, set(PLAYER_KEYS) | {"name", "terminal"}, "player")
    if not isinstance(player.get("name"), str):
        raise ScenarioError(f"player.name: expected a string, got {player.get('name')!r}")
    _fill(player, PLAYER_KEYS, "player")
    terminal = _require_object(player.setdefault("terminal", {"method": "none"}), "player.terminal")
    method = terminal.get("method")
    if method == "none":
        _check_keys(terminal, {"method"}, "player.terminal")
    elif method == "gordon":
        _check_keys(terminal, {"method", "growth"}, "player.terminal")
        if "growth" not in terminal:
            raise ScenarioError("player.terminal.growth: missing required key for gordon")
    else:
        raise ScenarioError(f"player.terminal.method: must be none or gordon, got {method!r}")

    if not isinstance(sc["clusters"], list) or not sc["clusters"]:
        raise ScenarioError("clusters: expected a non-empty list of clusters")
    names = set()
    for c, cluster in enumerate(sc["clusters"]):
        where = f"clusters[{c}]"
        _require_object(cluster, where)
        _check_keys(cluster, set(CLUSTER_KEYS) | {"name"}, where)
        name = cluster.get("name")
        if not isinstance(name, str) or not name:
            raise ScenarioError(f"{where}.name: expected a non-empty string, got {name!r}")
        if name in names:
            raise ScenarioError(f"{where}.name: duplicate cluster name {name!r}")
        names.add(name)
        _fill(cluster, CLUSTER_KEYS, where)

    specs = input_specs(sc)  # validates every distribution
    _check_correlations(sc, specs)
    _check_claims(sc)
    _check_stresses(sc, specs)
    return sc


def _check_simulation(paths: Any, seed: Any) -> None:
    if not isinstance(paths, int) or isinstance(paths, bool) or paths < 1:
        raise ScenarioError(f"simulation.paths: must be a positive integer, got {paths!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ScenarioError(f"simulation.seed: must be a non-negative integer, got {seed!r}")


def input_specs(scenario: Mapping) -> dict[str, tuple[str, Distribution]]:
    """Every numeric leaf of a loaded scenario: dotted input path -> (JSON path, Distribution).

    Example::

        >>> input_specs(sc)["clusters.Prometheus.pue"]
        ('clusters[0].pue', <Distribution ...>)
    """
    specs: dict[str, tuple[str, Distribution]] = {}

    def add(dotted: str, json_path: str, leaf: Any) -> None:
        specs[dotted] = (json_path, Distribution(leaf, json_path))

    for key in MARKET_KEYS:
        add(f"market.{key}", f"market.{key}", scenario["market"][key])
    for key in PLAYER_KEYS:
        if key in scenario["player"]:
            add(f"player.{key}", f"player.{key}", scenario["player"][key])
    if scenario["player"]["terminal"]["method"] == "gordon":
        add("player.terminal.growth", "player.terminal.growth", scenario["player"]["terminal"]["growth"])
    for c, cluster in enumerate(scenario["clusters"]):
        for key in CLUSTER_KEYS:
            add(f"clusters.{cluster['name']}.{key}", f"clusters[{c}].{key}", cluster[key])
    return specs


def _unknown_input(name: Any, specs: Mapping, where: str) -> ScenarioError:
    near = difflib.get_close_matches(str(name), list(specs), n=3, cutoff=0.5)
    tail = f"; nearest: {', '.join(near)}" if near else ""
    return ScenarioError(f"{where}: unknown input {name!r}{tail}")


def _check_correlations(sc: dict, specs: Mapping) -> None:
    if not isinstance(sc["correlations"], list):
        raise ScenarioError("correlations: expected a list")
    for i, pair in enumerate(sc["correlations"]):
        where = f"correlations[{i}]"
        _require_object(pair, where)
        _check_keys(pair, {"a", "b", "rho"}, where)
        for key in ("a", "b"):
            if pair.get(key) not in specs:
                raise _unknown_input(pair.get(key), specs, f"{where}.{key}")
        rho = pair.get("rho")
        if not _is_number(rho) or not -1 <= rho <= 1:
            raise ScenarioError(f"{where}.rho: must be a number in [-1, 1], got {rho!r}")
        if pair["a"] == pair["b"]:
            raise ScenarioError(f"{where}: an input cannot be correlated with itself ({pair['a']})")
    _correlation_factor(sc, list(specs))  # not positive definite -> error


def _check_claims(sc: dict) -> None:
    if not isinstance(sc["claims"], list):
        raise ScenarioError("claims: expected a list")
    last_year = sc["start_year"] + sc["horizon_years"] - 1
    for i, claim in enumerate(sc["claims"]):
        where = f"claims[{i}]"
        _require_object(claim, where)
        _check_keys(claim, {"id", "metric", "year", "op", "value", "rel_tol"}, where)
        for key in ("id", "metric", "op", "value"):
            if key not in claim:
                raise ScenarioError(f"{where}.{key}: missing required key")
        metric = claim["metric"]
        if metric in SERIES_NAMES:
            year = claim.get("year")
            if not isinstance(year, int) or not sc["start_year"] <= year <= last_year:
                raise ScenarioError(f"{where}.year: series metric {metric} needs a year in "
                                    f"[{sc['start_year']}, {last_year}], got {year!r}")
        elif metric in SCALAR_NAMES:
            if "year" in claim:
                raise ScenarioError(f"{where}.year: scalar metric {metric} takes no year")
        else:
            near = difflib.get_close_matches(str(metric), SERIES_NAMES + SCALAR_NAMES, n=3)
            raise ScenarioError(f"{where}.metric: unknown metric {metric!r}"
                                + (f"; nearest: {', '.join(near)}" if near else ""))
        if claim["op"] not in ("approx", ">=", "<="):
            raise ScenarioError(f"{where}.op: must be approx, >= or <=, got {claim['op']!r}")
        if not _is_number(claim["value"]):
            raise ScenarioError(f"{where}.value: expected a number, got {claim['value']!r}")
        if claim["op"] == "approx":
            tol = claim.get("rel_tol")
            if not _is_number(tol) or tol < 0:
                raise ScenarioError(f"{where}.rel_tol: approx needs rel_tol >= 0, got {tol!r}")


def _check_stresses(sc: dict, specs: Mapping) -> None:
    _require_object(sc["stresses"], "stresses")
    for name, overrides in sc["stresses"].items():
        where = f"stresses.{name}"
        _require_object(overrides, where)
        for path, leaf in overrides.items():
            if path not in specs:
                raise _unknown_input(path, specs, where)
            Distribution(leaf, f"{where}.{path}")


# ---------------------------------------------------------------------------
# Sampling: inverse CDF and the Gaussian copula (model.md §8)
# ---------------------------------------------------------------------------

def _correlation_factor(sc: Mapping, names: list[str]) -> tuple[list[str], np.ndarray | None]:
    """The correlated inputs (in ``names`` order) and the Cholesky factor of their matrix."""
    pairs = sc.get("correlations", [])
    involved = [n for n in names if any(n in (p["a"], p["b"]) for p in pairs)]
    if not involved:
        return [], None
    index = {n: i for i, n in enumerate(involved)}
    corr = np.eye(len(involved))
    for p in pairs:
        i, j = index[p["a"]], index[p["b"]]
        corr[i, j] = corr[j, i] = p["rho"]
    try:
        return involved, np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        # Name the inputs that carry the offending (most negative) eigen-direction.
        eigval, eigvec = np.linalg.eigh(corr)
        weight = np.abs(eigvec[:, 0])
        culprits = [involved[i] for i in np.flatnonzero(weight > 0.1 * weight.max())]
        raise ScenarioError(
            "correlations: the correlation matrix is not positive definite "
            f"(smallest eigenvalue {eigval[0]:.3g}); inputs involved: {', '.join(culprits)}") from None


def sample_inputs(scenario: Mapping | str | Path, paths: int, seed: int) -> dict[str, np.ndarray]:
    """Draw every input for ``paths`` paths: dotted input path -> array of shape (paths,).

    Plain Monte Carlo from ``numpy.random.default_rng(seed)``; each input is drawn
    once a path (model.md §8). ``clusters.*.online_year`` is rounded to the
    nearest integer; ``player.share_start``, when absent, is the ``share_end`` draw.

    Example::

        >>> x = sample_inputs(sc, paths=1000, seed=7)
        >>> x["market.price_decline"].mean()
    """
    sc = load_scenario(scenario)
    _check_simulation(paths, seed)
    specs = input_specs(sc)
    correlated, chol = _correlation_factor(sc, list(specs))
    random_names = [n for n, (_, d) in specs.items() if d.fixed_value is None or n in correlated]

    rng = np.random.default_rng(seed)
    u = rng.random((len(random_names), paths))
    u = np.clip(u, 2.0**-54, 1 - 2.0**-54)  # the open interval (0, 1)
    row = {n: i for i, n in enumerate(random_names)}
    if chol is not None:
        rows = [row[n] for n in correlated]
        z = stats.norm.ppf(u[rows])  # z = Phi^-1(u)
        u[rows] = np.clip(stats.norm.cdf(chol @ z), 2.0**-54, 1 - 2.0**-54)  # u' = Phi(L z)

    inputs = {}
    for name, (_, dist) in specs.items():
        if name in row:
            inputs[name] = dist.ppf(u[row[name]])
        else:
            inputs[name] = np.full(paths, dist.fixed_value)
        if name.endswith(".online_year") and name.startswith("clusters."):
            inputs[name] = np.floor(inputs[name] + 0.5)  # nearest integer, halves up
    if "player.share_start" not in inputs:
        inputs["player.share_start"] = inputs["player.share_end"]
    return inputs


def _check_ranges(sc: Mapping, inputs: Mapping[str, np.ndarray]) -> None:
    """Reject sampled values outside an input's domain, naming the JSON path and a bad value."""
    for name, (json_path, _) in input_specs(sc).items():
        x = inputs[name]
        lo, lo_in, hi, hi_in = INPUT_RANGES[name.rsplit(".", 1)[1]]
        bad = ~np.isfinite(x) | ((x < lo) if lo_in else (x <= lo)) | ((x > hi) if hi_in else (x >= hi))
        if name.endswith(".online_year"):
            bad |= x < sc["start_year"]
            lo, lo_in = sc["start_year"], True
        if bad.any():
            first = x[np.argmax(bad)]
            low = f"{'>=' if lo_in else '>'} {lo:g}" if lo > -_INF else ""
            high = f"{'<=' if hi_in else '<'} {hi:g}" if hi < _INF else ""
            rule = " and ".join(s for s in (low, high) if s) or "finite"
            raise ScenarioError(f"{json_path}: must be {rule}, got {first:g}")
    if sc["player"]["terminal"]["method"] == "gordon":
        bad = inputs["player.terminal.growth"] >= inputs["player.wacc"]
        if bad.any():
            i = np.argmax(bad)
            raise ScenarioError("player.terminal.growth: must be < player.wacc, got "
                                f"{inputs['player.terminal.growth'][i]:g} >= {inputs['player.wacc'][i]:g}")
    if np.any(inputs["player.baseline_ebit_usd"] == 0):
        raise ScenarioError("player.baseline_ebit_usd: must be non-zero, got 0")


# ---------------------------------------------------------------------------
# The model of one path, vectorized over paths (model.md §2-§7)
# ---------------------------------------------------------------------------

def _straight_line(spend: np.ndarray, life: np.ndarray) -> np.ndarray:
    """Depreciation of the tranches ``spend[:, t]`` with life ``life`` (paths, 1), model.md §6.

    A tranche books spend/L in its first floor(L) years (full first year) and
    spend*(L - floor L)/L in the next; years past the horizon are dropped.
    """
    years = spend.shape[1]
    age = np.arange(years)
    whole = np.floor(life)
    weight = np.where(age < whole, 1 / life, np.where(age == whole, (life - whole) / life, 0.0))
    dep = np.zeros_like(spend)
    for j in range(years):
        # tranche t is of age j - t in year j
        dep[:, j] = np.sum(spend[:, : j + 1] * weight[:, j::-1], axis=1)
    return dep


def _cluster(x: Mapping[str, np.ndarray], years: np.ndarray) -> dict[str, np.ndarray]:
    """One cluster's capacity, capex, depreciation, opex and power terms (model.md §4, §6).

    ``x`` maps the cluster's keys to arrays of shape (paths, 1). Every money
    figure and the capacity are already multiplied by ``inference_alloc``.
    Power is returned as ``power_idle + power_load * U`` because it depends on
    the business-wide utilization, known only after all clusters are summed.
    """
    n_paths, n_years = x["power_gw"].shape[0], years.size
    alpha = x["inference_alloc"]
    y_on = x["online_year"]

    # §4 online fraction and accelerator count; phi is 0 before start_year.
    phi = np.clip((years - y_on + 1) / x["ramp_years"], 0.0, 1.0)
    phi_prev = np.hstack([np.zeros((n_paths, 1)), phi[:, :-1]])
    count = phi * x["power_gw"] * 1e9 / x["pue"] / x["watts_per_accelerator"]
    added = count - np.hstack([np.zeros((n_paths, 1)), count[:, :-1]])

    # §4 vintages: each one is replaced at the same count ceil(L_it) years later.
    life = np.ceil(x["it_life_years"][:, 0]).astype(np.int64)
    installed = added.copy()
    rows = np.arange(n_paths)
    for t in range(n_years):
        replace = t - life >= 0
        if replace.any():
            installed[replace, t] += installed[rows[replace], t - life[replace]]

    # tau_i(y) = tau (1+h)^(y_i - y_on) (1+sw)^(y - y_i); vintage i serves in years i .. i+m-1.
    tau_at_install = x["tokens_per_sec_per_accelerator"] * (1 + x["hardware_gain"]) ** (years - y_on)
    software = (1 + x["software_gain"]) ** np.arange(n_years)  # (1+sw)^age, (paths, years)
    token_rate = np.zeros((n_paths, n_years))
    for i in range(n_years):
        age = np.arange(n_years - i)
        live = age < life[:, None]
        vintage_rate = (installed[:, i] * tau_at_install[:, i])[:, None] * software[:, age]
        token_rate[:, i:] += np.where(live, vintage_rate, 0.0)
    capacity = alpha * x["availability"] * SECONDS_PER_YEAR * token_rate

    # §6 capex (replacements included), depreciation, opex.
    overrun = 1 + x["capex_overrun"]
    facility = x["facility_capex_usd_per_gw"] * x["power_gw"] * (phi - phi_prev) * overrun
    it = (installed * x["it_cost_usd_per_accelerator"]
          * (1 + x["it_cost_growth"]) ** (years - y_on) * overrun)
    depreciation = _straight_line(facility, x["facility_life_years"]) + _straight_line(it, x["it_life_years"])
    opex = x["opex_rate"] * np.cumsum(facility + it, axis=1)

    # §6 power: P phi 1000 8760 price (idle + (1 - idle) U), split in its two terms.
    full_draw = x["power_gw"] * phi * 1000 * HOURS_PER_YEAR * x["power_price_usd_per_mwh"]
    return {
        "capacity": capacity,
        "capex": alpha * (facility + it),
        "depreciation": alpha * depreciation,
        "opex": alpha * opex,
        "power_idle": alpha * full_draw * x["idle_power_fraction"],
        "power_load": alpha * full_draw * (1 - x["idle_power_fraction"]),
    }


def _npv_at(fcf: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """sum_t fcf_t / (1 + r)^(t+1) per path, by Horner in 1/(1+r)."""
    x = 1 / (1 + rate)
    acc = fcf[:, -1].copy()
    for t in range(fcf.shape[1] - 2, -1, -1):
        acc = acc * x + fcf[:, t]
    return acc * x


def _irr(fcf: np.ndarray, iterations: int = 60) -> np.ndarray:
    """IRR per path (model.md §7) by vectorized bisection on (-0.99, 10); NaN where undefined.

    Defined when FCF changes sign and NPV at the two ends of the bracket has
    opposite signs; 60 halvings take the bracket below double precision.
    """
    irr = np.full(fcf.shape[0], np.nan)
    candidates = np.flatnonzero((fcf > 0).any(axis=1) & (fcf < 0).any(axis=1))
    f = fcf[candidates]
    lo = np.full(len(candidates), IRR_BRACKET[0])
    hi = np.full(len(candidates), IRR_BRACKET[1])
    sign_lo = np.sign(_npv_at(f, lo))
    bracketed = sign_lo * np.sign(_npv_at(f, hi)) < 0
    f, lo, hi, sign_lo = f[bracketed], lo[bracketed], hi[bracketed], sign_lo[bracketed]
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        same = np.sign(_npv_at(f, mid)) == sign_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    irr[candidates[bracketed]] = 0.5 * (lo + hi)
    return irr


def _payback(fcf: np.ndarray, start_year: int) -> np.ndarray:
    """First year with cumulative FCF >= 0 after one with it < 0 (model.md §7); NaN if never."""
    cumulative = np.cumsum(fcf, axis=1)
    negative = cumulative < 0
    negative_before = np.zeros_like(negative)
    negative_before[:, 1:] = np.logical_or.accumulate(negative, axis=1)[:, :-1]
    recovered = (cumulative >= 0) & negative_before
    first = start_year + np.argmax(recovered, axis=1).astype(float)
    return np.where(~negative.any(axis=1), float(start_year),
                    np.where(recovered.any(axis=1), first, np.nan))


def evaluate(scenario: Mapping | str | Path, inputs: Mapping[str, np.ndarray]
             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Run the model on sampled inputs: (series of shape (paths, years), scalars of shape (paths,)).

    Example::

        >>> series, scalars = evaluate(sc, sample_inputs(sc, 1000, 0))
        >>> series["revenue_usd"].shape, scalars["npv_usd"].shape
    """
    sc = load_scenario(scenario)
    _check_ranges(sc, inputs)
    n_years = sc["horizon_years"]
    t = np.arange(n_years, dtype=float)
    years = sc["start_year"] + t

    def col(name: str) -> np.ndarray:
        return np.asarray(inputs[name], dtype=float)[:, None]  # (paths, 1): broadcasts over years

    n_paths = col("market.spend0_usd").shape[0]

    # §2 market
    growth = np.ones((n_paths, n_years))
    growth[:, 1:] = 1 + col("market.spend_growth") * col("market.growth_decay") ** (t[1:] - 1)
    spend = col("market.spend0_usd") * np.cumprod(growth, axis=1)
    price = col("market.price0_usd_per_mtok") * (1 - col("market.price_decline")) ** t
    demand = spend / price * 1e6

    # §3 share and the tokens the player is asked to serve
    s_a, s_b, n_s = col("player.share_start"), col("player.share_end"), col("player.share_ramp_years")
    ramp = np.minimum(1.0, t / np.where(n_s > 0, n_s, 1.0))
    share = np.where(n_s == 0, s_b, s_a + (s_b - s_a) * ramp)
    ratio = col("player.price_ratio")
    asked = share * spend / (ratio * price) * 1e6

    # §4, §6 per cluster, then summed (already times alpha_c)
    total = {k: np.zeros((n_paths, n_years))
             for k in ("capacity", "capex", "depreciation", "opex", "power_idle", "power_load")}
    for cluster in sc["clusters"]:
        prefix = f"clusters.{cluster['name']}."
        figures = _cluster({key: col(prefix + key) for key in CLUSTER_KEYS}, years)
        for key in total:
            total[key] += figures[key]
    capacity = total["capacity"]

    # §5 serving, utilization, revenue
    served = np.minimum(asked, col("player.max_utilization") * capacity)
    utilization = np.divide(served, capacity, out=np.zeros_like(served), where=capacity > 0)
    revenue = served * ratio * price / 1e6
    power = total["power_idle"] + total["power_load"] * utilization

    # §7 P&L and value
    depreciation, capex, opex = total["depreciation"], total["capex"], total["opex"]
    ebit = revenue - depreciation - power - opex - col("player.sga_rate") * revenue
    nopat = ebit - col("player.tax_rate") * np.maximum(ebit, 0.0)
    fcf = nopat + depreciation - capex
    wacc = col("player.wacc")
    npv = np.sum(fcf / (1 + wacc) ** (t + 1), axis=1)
    if sc["player"]["terminal"]["method"] == "gordon":
        g_tv = col("player.terminal.growth")[:, 0]
        w = wacc[:, 0]
        npv += fcf[:, -1] * (1 + g_tv) / (w - g_tv) / (1 + w) ** n_years

    series = {
        "market_spend_usd": spend,
        "price_usd_per_mtok": np.broadcast_to(price, (n_paths, n_years)).copy(),
        "demand_tokens": demand,
        "capacity_tokens": capacity,
        "served_tokens": served,
        "unserved_tokens": asked - served,
        "utilization": utilization,
        "revenue_usd": revenue,
        "capex_usd": capex,
        "depreciation_usd": depreciation,
        "power_cost_usd": power,
        "opex_usd": opex,
        "ebit_usd": ebit,
        "fcf_usd": fcf,
        "ebit_ratio": ebit / col("player.baseline_ebit_usd"),
    }
    scalars = {
        "npv_usd": npv,
        "irr": _irr(fcf),
        "payback_year": _payback(fcf, sc["start_year"]),
        "total_capex_usd": capex.sum(axis=1),
        "cumulative_fcf_usd": fcf.sum(axis=1),
    }
    return series, scalars


# ---------------------------------------------------------------------------
# Statistics and claims (scenario-format.md "Result")
# ---------------------------------------------------------------------------

def _summary(x: np.ndarray) -> dict[str, Any]:
    """Statistics of ``x`` over paths: floats for shape (paths,), per-year lists for (paths, years).

    NaN marks an undefined value: it is left out and counted in defined_fraction.
    """
    if x.ndim == 2:
        # Column by column: np.percentile on a contiguous column is faster than along axis 0.
        columns = [_summary(x[:, j]) for j in range(x.shape[1])]
        return {k: [c[k] for c in columns] for k in columns[0]}
    defined = x[~np.isnan(x)]
    n = defined.size
    if n == 0:
        out = dict.fromkeys(("mean", "sd", "se", "min", "max"), math.nan)
        out.update({f"p{q}": math.nan for q in PERCENTILES})
        out["prob_positive"] = math.nan
    else:
        sd = float(defined.std(ddof=1)) if n > 1 else math.nan
        out = {"mean": float(defined.mean()), "sd": sd, "se": sd / math.sqrt(n),
               "min": float(defined.min()), "max": float(defined.max())}
        out.update({f"p{q}": float(v) for q, v in zip(PERCENTILES, np.percentile(defined, PERCENTILES))})
        out["prob_positive"] = float((defined > 0).mean())  # among defined values
    out["defined_fraction"] = n / x.size
    return out


def _claim(claim: Mapping, values: np.ndarray) -> dict[str, Any]:
    """Probability that a claim holds (undefined values do not hold), metric median, value's percentile."""
    v = claim["value"]
    if claim["op"] == "approx":
        holds = np.abs(values - v) <= claim["rel_tol"] * abs(v)
    elif claim["op"] == ">=":
        holds = values >= v
    else:
        holds = values <= v
    defined = values[~np.isnan(values)]
    return {
        "id": claim["id"],
        "probability": float(holds.mean()),
        "median": float(np.median(defined)) if defined.size else math.nan,
        "value_percentile": 100.0 * float((defined <= v).mean()) if defined.size else math.nan,
    }


def statistics(series: Mapping[str, np.ndarray], scalars: Mapping[str, np.ndarray],
               scenario: Mapping | str | Path, seed: int | None = None) -> dict:
    """Summarize path results into a dict shaped like the engine's result JSON.

    Every series gets per-year lists and every scalar a number for: mean, sd,
    se, min, max, p1 ... p99, prob_positive, defined_fraction. Undefined (NaN)
    values are left out and counted in defined_fraction. ``seed`` defaults to
    the scenario's.

    Example::

        >>> res = statistics(*evaluate(sc, x), sc, seed=7)
        >>> res["scalars"]["npv_usd"]["p50"]
    """
    sc = load_scenario(scenario)
    start = sc["start_year"]
    n_paths = next(iter(scalars.values())).shape[0]
    result = {
        "scenario": sc["name"],
        "engine_version": f"numpy-{__version__}",
        "paths": int(n_paths),
        "seed": int(sc["simulation"]["seed"] if seed is None else seed),
        "sampler": "random",
        "antithetic": False,
        "years": list(range(start, start + sc["horizon_years"])),
        "scalars": {name: _summary(scalars[name]) for name in SCALAR_NAMES},
        "series": {name: _summary(series[name]) for name in SERIES_NAMES},
        "claims": [],
    }
    for claim in sc["claims"]:
        if claim["metric"] in scalars:
            values = scalars[claim["metric"]]
        else:
            values = series[claim["metric"]][:, claim["year"] - start]
        result["claims"].append(_claim(claim, values))
    return result


def run(scenario: Mapping | str | Path, paths: int | None = None, seed: int | None = None) -> dict:
    """Sample, evaluate and summarize a scenario; ``paths``/``seed`` override ``simulation``.

    The result carries ``elapsed_s`` and ``phase_s`` (sample, evaluate, statistics).

    Example::

        >>> res = run("bench/fixtures/bench-2cluster.json", paths=100_000, seed=42)
        >>> res["scalars"]["irr"]["defined_fraction"]
    """
    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    paths = sc["simulation"]["paths"] if paths is None else paths
    seed = sc["simulation"]["seed"] if seed is None else seed
    if sc["simulation"]["sampler"] != "random" or sc["simulation"]["antithetic"]:
        warnings.warn("numpy_model samples plain Monte Carlo only; "
                      "simulation.sampler/antithetic are ignored", stacklevel=2)
    inputs = sample_inputs(sc, paths, seed)
    t1 = time.perf_counter()
    # Evaluate in fixed blocks of paths: the temporaries of a block stay in cache,
    # about 2x faster than one pass over 1e6 paths; the results are the same.
    n_years = sc["horizon_years"]
    series = {name: np.empty((paths, n_years)) for name in SERIES_NAMES}
    scalars = {name: np.empty(paths) for name in SCALAR_NAMES}
    for i in range(0, paths, BLOCK_PATHS):
        block = slice(i, i + BLOCK_PATHS)
        block_series, block_scalars = evaluate(sc, {name: x[block] for name, x in inputs.items()})
        for name in SERIES_NAMES:
            series[name][block] = block_series[name]
        for name in SCALAR_NAMES:
            scalars[name][block] = block_scalars[name]
    t2 = time.perf_counter()
    result = statistics(series, scalars, sc, seed=seed)
    t3 = time.perf_counter()
    result["elapsed_s"] = t3 - t0
    result["phase_s"] = {"sample": t1 - t0, "evaluate": t2 - t1, "statistics": t3 - t2}
    return result


# ---------------------------------------------------------------------------
# Throughput from first principles (model-v2 §A)
# ---------------------------------------------------------------------------

def roofline(model: Mapping[str, float], accelerator: Mapping[str, float],
             serving: Mapping[str, float]) -> dict[str, float]:
    """Tokens/s per accelerator of one (model, accelerator, serving) triple, model-v2 §A.

    The three mappings use the keys of a scenario's ``throughput`` block.  Unlike the
    engine, which bisects, this evaluates t(b) for every batch b = 1 .. min(max_batch,
    b_mem) at once and keeps the largest that meets the latency target: the plain
    reading of the spec, and an independent check of the engine's search.

    Example::

        >>> r = roofline({"params_total": 70e9, "params_active": 70e9, "bytes_per_param": 1,
        ...               "kv_bytes_per_token": 163840},
        ...              {"peak_flops": 1979e12, "hbm_bandwidth_bytes_per_s": 3.35e12, "hbm_bytes": 80e9},
        ...              {"accelerators_per_replica": 8, "max_batch": 256,
        ...               "input_tokens_per_request": 2000, "output_tokens_per_request": 500,
        ...               "bandwidth_efficiency": 0.7, "compute_efficiency": 0.4})
        >>> r["batch"], round(r["tokens_per_sec_per_accelerator"], 1)
        (256, 5095.6)
    """
    P, Pa = float(model["params_total"]), float(model["params_active"])
    E, k = float(model.get("experts", 1)), float(model.get("experts_active", 1))
    beta, kappa = float(model["bytes_per_param"]), float(model["kv_bytes_per_token"])
    F, B, H = (float(accelerator[key]) for key in ("peak_flops", "hbm_bandwidth_bytes_per_s", "hbm_bytes"))
    n = float(serving["accelerators_per_replica"])
    i, o = float(serving["input_tokens_per_request"]), float(serving["output_tokens_per_request"])
    t_max = serving.get("max_seconds_per_output_token")
    eta_b, eta_c = float(serving["bandwidth_efficiency"]), float(serving["compute_efficiency"])
    f_h = float(serving.get("hbm_usable_fraction", 0.9))
    if k > E:
        raise ScenarioError(f"throughput.model.experts_active: must be <= experts ({E:g}), got {k:g}")
    if Pa > P:
        raise ScenarioError(f"throughput.model.params_active: must be <= params_total ({P:g}), got {Pa:g}")

    ctx = i + o / 2                                       # mean context held while decoding
    W = beta * P
    b_mem = math.floor((n * H * f_h - W) / (kappa * ctx))
    if b_mem < 1:
        raise ScenarioError(
            f"throughput: model does not fit: needs {(W + kappa * ctx) / 1e9:g} GB of weights + KV for one "
            f"sequence, replica has {n * H * f_h / 1e9:g} GB usable")
    if E > k:
        P_x = (P - Pa) / (1 - k / E)
        P_s = P - P_x
    else:
        P_x, P_s = 0.0, P
    hi = int(min(math.floor(float(serving["max_batch"])), b_mem))
    b = np.arange(1, hi + 1, dtype=float)
    W_b = beta * (P_s + P_x * (1 - (1 - k / E) ** b))     # weight bytes a step reads at batch b
    t = np.maximum((W_b + b * kappa * ctx) / (n * B * eta_b), 2 * Pa * b / (n * F * eta_c))
    if t_max is None or not math.isfinite(float(t_max)):
        best = hi
    else:
        meets = np.nonzero(t <= float(t_max))[0]
        best = int(meets[-1]) + 1 if meets.size else 1
    step = float(t[best - 1])
    tau_dec = best / (n * step)                           # output tokens/s per accelerator
    tau_pre = F * eta_c / (2 * Pa)                        # input tokens/s per accelerator
    tau = (i + o) / (i / tau_pre + o / tau_dec)           # input + output tokens/s per accelerator
    return {"tokens_per_sec_per_accelerator": tau, "batch": best, "seconds_per_output_token": step,
            "decode_tokens_per_sec": tau_dec, "prefill_tokens_per_sec": tau_pre, "b_mem": b_mem}


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _json_ready(obj: Any) -> Any:
    """NaN and infinities become null (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {k: _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run an infersim scenario with the NumPy twin of the engine.")
    parser.add_argument("scenario", help="scenario JSON file")
    parser.add_argument("--paths", type=int, help="number of paths (default: simulation.paths)")
    parser.add_argument("--seed", type=int, help="random seed (default: simulation.seed)")
    parser.add_argument("--out", help="write the result JSON here (default: stdout)")
    args = parser.parse_args(argv)
    try:
        result = run(args.scenario, paths=args.paths, seed=args.seed)
    except ScenarioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    text = json.dumps(_json_ready(result), indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        phases = ", ".join(f"{k} {v:.2f}s" for k, v in result["phase_s"].items())
        print(f"{result['scenario']}: {result['paths']} paths in {result['elapsed_s']:.2f}s "
              f"({phases}) -> {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
