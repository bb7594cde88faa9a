"""Type stubs of the compiled module infersim._core (bindings/src)."""

import os
from typing import Any, Callable, Optional, Sequence

import numpy as np
import numpy.typing as npt

__version__: str
statistic_names: tuple[str, ...]
series_names: tuple[str, ...]
scalar_names: tuple[str, ...]
difference_statistic_names: tuple[str, ...]
#: The engine's metric table: name -> {unit, label, short, kind, shape} (the result JSON's "metrics").
metric_table: dict[str, dict[str, str]]

def statistic_unit(metric: str, statistic: str) -> str: ...

class InputError(ValueError): ...

class Distribution:
    @staticmethod
    def from_json(value: Any, path: str = "value") -> Distribution: ...
    @property
    def kind(self) -> str: ...
    @property
    def is_fixed(self) -> bool: ...
    @property
    def median(self) -> float: ...
    @property
    def support(self) -> tuple[float, float]: ...
    def quantile(self, u: float) -> float: ...
    def describe(self) -> str: ...
    def to_json(self) -> float | dict[str, Any]: ...

class Input:
    @property
    def path(self) -> str: ...
    @property
    def json_path(self) -> str: ...
    @property
    def distribution(self) -> Distribution: ...
    @property
    def whole(self) -> bool: ...
    @property
    def domain(self) -> str: ...
    @property
    def uncertain(self) -> bool: ...

class Claim:
    @property
    def id(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def year(self) -> Optional[int]: ...
    @property
    def op(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def rel_tol(self) -> float: ...

class Scenario:
    @staticmethod
    def from_file(path: str | os.PathLike[str]) -> Scenario: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Scenario: ...
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def start_year(self) -> int: ...
    @property
    def horizon_years(self) -> int: ...
    @property
    def years(self) -> list[int]: ...
    @property
    def simulation(self) -> dict[str, Any]: ...
    @property
    def inputs(self) -> list[Input]: ...
    @property
    def input_paths(self) -> list[str]: ...
    @property
    def correlations(self) -> list[tuple[str, str, float]]: ...
    @property
    def claims(self) -> list[Claim]: ...
    @property
    def stresses(self) -> list[str]: ...
    def with_overrides(self, overrides: dict[str, Any]) -> Scenario: ...
    def with_stress(self, name: str) -> Scenario: ...
    def validate(self) -> None: ...

class ClaimResult:
    @property
    def claim(self) -> Claim: ...
    @property
    def probability(self) -> float: ...
    @property
    def median(self) -> float: ...
    @property
    def value_percentile(self) -> float: ...

class Result:
    @property
    def scenario(self) -> str: ...
    @property
    def engine_version(self) -> str: ...
    @property
    def paths(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def sampler(self) -> str: ...
    @property
    def antithetic(self) -> bool: ...
    @property
    def replicates(self) -> int: ...
    @property
    def years(self) -> list[int]: ...
    @property
    def quantile_method(self) -> str: ...
    @property
    def quantile_rank_error(self) -> float: ...
    @property
    def elapsed_s(self) -> float: ...
    @property
    def non_finite(self) -> list[tuple[str, int]]: ...
    @property
    def non_finite_warnings(self) -> list[str]: ...
    @property
    def claims(self) -> list[ClaimResult]: ...
    @property
    def kept_samples(self) -> list[str]: ...
    def statistics(self, metric: str) -> npt.NDArray[np.float64]: ...
    def samples(self, metric: str) -> npt.NDArray[np.float64]: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def save(self, path: str | os.PathLike[str], inputs: list[str] = ...) -> None: ...

def run(
    scenario: Scenario,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
    keep_samples: Sequence[str] = (),
    quantiles: Sequence[float] = (),
    thresholds: Sequence[tuple[str, Sequence[float]]] = (),
    progress: Optional[Callable[[int, int], None]] = None,
    target_se: Sequence[str] = (),
    target_step: Optional[int] = None,
) -> Result: ...

def save_text(path: str | os.PathLike[str], text: str, inputs: list[str] = ...) -> None: ...

class Variant:
    @property
    def name(self) -> str: ...
    @property
    def result(self) -> Result: ...
    def difference(self, metric: str) -> npt.NDArray[np.float64]: ...

class Comparison:
    @property
    def base(self) -> Result: ...
    @property
    def variants(self) -> list[Variant]: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def save(self, path: str | os.PathLike[str], inputs: list[str] = ...) -> None: ...

class SolveResult:
    @property
    def input(self) -> str: ...
    @property
    def statistic(self) -> str: ...
    @property
    def target(self) -> float: ...
    @property
    def root(self) -> float: ...
    @property
    def achieved(self) -> float: ...
    @property
    def bracket(self) -> tuple[float, float]: ...
    @property
    def trace(self) -> npt.NDArray[np.float64]: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def save(self, path: str | os.PathLike[str], inputs: list[str] = ...) -> None: ...

class SweepResult:
    @property
    def inputs(self) -> list[str]: ...
    @property
    def statistics(self) -> list[str]: ...
    @property
    def points(self) -> npt.NDArray[np.float64]: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def save(self, path: str | os.PathLike[str], inputs: list[str] = ...) -> None: ...

def stress(
    scenario: Scenario,
    names: Sequence[str] = (),
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Comparison: ...
def compare(
    base: Scenario,
    variants: Sequence[tuple[str, Scenario]],
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Comparison: ...
def solve(
    scenario: Scenario,
    input: str,
    lo: float,
    hi: float,
    *,
    target: str,
    value: float,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
    x_tolerance: float = 0.0,
    max_runs: int = 40,
    progress: Optional[Callable[[int, int], None]] = None,
) -> SolveResult: ...
def sweep(
    scenario: Scenario,
    grid: Sequence[tuple[str, Sequence[float]]],
    statistics: Sequence[str],
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
    progress: Optional[Callable[[int, int], None]] = None,
) -> SweepResult: ...
def tornado(
    scenario: Scenario,
    metric: str,
    *,
    method: str = "deterministic",
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
) -> dict[str, Any]: ...
def spearman(
    scenario: Scenario,
    metric: str,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
) -> dict[str, Any]: ...
def sobol(
    scenario: Scenario,
    metric: str,
    *,
    base_rows: int = 8192,
    seed: Optional[int] = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    threads: int = 0,
) -> dict[str, Any]: ...

# Partial runs (infersim.distributed): the pilot, block ranges after it, their merge.
def run_layout(
    scenario: Scenario,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    keep_samples: Sequence[str] = (),
    quantiles: Sequence[float] = (),
    thresholds: Sequence[tuple[str, Sequence[float]]] = (),
) -> tuple[int, int, int]: ...
def run_pilot(
    scenario: Scenario,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
    keep_samples: Sequence[str] = (),
    quantiles: Sequence[float] = (),
    thresholds: Sequence[tuple[str, Sequence[float]]] = (),
) -> tuple[bytes, bytes]: ...
def run_blocks(
    scenario: Scenario,
    calibration: bytes,
    first: int,
    last: int,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: int = 0,
    keep_samples: Sequence[str] = (),
    quantiles: Sequence[float] = (),
    thresholds: Sequence[tuple[str, Sequence[float]]] = (),
) -> bytes: ...
def merge_partials(
    scenario: Scenario,
    calibration: bytes,
    parts: Sequence[bytes],
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    keep_samples: Sequence[str] = (),
    quantiles: Sequence[float] = (),
    thresholds: Sequence[tuple[str, Sequence[float]]] = (),
) -> Result: ...
def assess_precision(
    scenario: Scenario, result: Result, *, target_se: Sequence[str], target_step: Optional[int] = None, max_paths: int
) -> tuple[bool, Result]: ...
def precision_step(scenario: Scenario, *, target_se: Sequence[str], target_step: Optional[int] = None) -> int: ...
def sobol_design_rows(
    scenario: Scenario,
    metric: str,
    first: int,
    last: int,
    *,
    base_rows: int = 8192,
    seed: Optional[int] = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    threads: int = 0,
) -> npt.NDArray[np.float64]: ...
def sobol_from_rows(
    scenario: Scenario,
    metric: str,
    rows: npt.ArrayLike,
    *,
    base_rows: int = 8192,
    seed: Optional[int] = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    threads: int = 0,
) -> dict[str, Any]: ...
