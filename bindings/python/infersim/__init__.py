"""infersim: Monte Carlo simulation of AI inference businesses and the clusters that serve them.

>>> import infersim
>>> scenario = infersim.Scenario.from_json("scenarios/default.json")
>>> result = infersim.run(scenario, paths=20_000, seed=1)
>>> npv = result.summary().loc["npv_usd"]
>>> bool(npv["p5"] < npv["p50"] < npv["p95"])
True

Plots live in :mod:`infersim.plot` (imported on demand, as it needs matplotlib).
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

from ._core import InputError, scalar_names, series_names, statistic_names
from .result import Result, run
from .scenario import Scenario

__version__: str = _core.__version__

__all__ = [
    "InputError",
    "Result",
    "Scenario",
    "__version__",
    "run",
    "scalar_names",
    "series_names",
    "statistic_names",
]
