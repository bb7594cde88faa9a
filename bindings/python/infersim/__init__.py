"""infersim: Monte Carlo simulation of AI inference businesses and the clusters that serve them.

>>> import infersim
>>> scenario = infersim.Scenario.from_json("scenarios/default.json")
>>> result = infersim.run(scenario, paths=20_000, seed=1)
>>> npv = result.summary().loc["npv_usd"]
>>> bool(npv["p5"] < npv["p50"] < npv["p95"])
True

Stresses, comparisons, goal seeking and sweeps (:mod:`infersim.analysis`) run a scenario
many times on common random numbers:

>>> infersim.solve(scenario, "market.price_decline", 0.1, 0.9, target="npv_usd:p50", value=0, paths=5_000).runs > 2
True

Which inputs drive a metric: :func:`tornado`, :func:`spearman` and :func:`sobol`
(:mod:`infersim.sensitivity`).

Many scenarios at once: :func:`run_many` (one tidy table). Units, labels and formatting of
every metric: :mod:`infersim.metrics`. Plots live in :mod:`infersim.plot` (imported on
demand, as it needs matplotlib).
"""

from __future__ import annotations

try:
    from . import _core
except ImportError as err:  # pragma: no cover - depends on how the package was obtained
    raise ImportError(
        "infersim's compiled module infersim._core could not be imported "
        f"({err}). From a source checkout, build it and point Python at the build tree:\n"
        "    cmake --preset release -DPython3_EXECUTABLE=/usr/bin/python3 && cmake --build --preset release\n"
        "    PYTHONPATH=build/python /usr/bin/python3 -c 'import infersim'\n"
        "or install the package with `/usr/bin/python3 -m pip install --no-build-isolation .`. "
        "The module must be built for this interpreter (the same Python version)."
    ) from err

from ._core import InputError, difference_statistic_names, scalar_names, series_names, statistic_names
from . import metrics
from .analysis import Comparison, SolveResult, compare, solve, stress, sweep
from .batch import run_many
from .metrics import MetricInfo, format_value, metric_info
from .result import NonFiniteWarning, Result, run
from .scenario import Scenario
from .sensitivity import sobol, spearman, tornado

__version__: str = _core.__version__

__all__ = [
    "Comparison",
    "InputError",
    "MetricInfo",
    "NonFiniteWarning",
    "Result",
    "Scenario",
    "SolveResult",
    "__version__",
    "compare",
    "difference_statistic_names",
    "format_value",
    "metric_info",
    "metrics",
    "run",
    "run_many",
    "scalar_names",
    "series_names",
    "sobol",
    "solve",
    "spearman",
    "statistic_names",
    "stress",
    "sweep",
    "tornado",
]
