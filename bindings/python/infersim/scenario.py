"""Scenarios: the inputs of the model, each a number or a distribution, with run settings,
correlations, claims and stresses (docs/scenario-format.md)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from typing import Any, Union

import pandas as pd

from . import _core

__all__ = ["Scenario"]

#: A value accepted for an input: a number, or a distribution such as
#: ``{"dist": "pert", "min": 0.1, "mode": 0.25, "max": 0.5}``.
InputValue = Union[float, Mapping[str, Any]]


class Scenario:
    """A validated, immutable scenario.

    Build one with :meth:`from_json` or :meth:`from_dict`; derive variants with
    :meth:`with_overrides` and :meth:`with_stress`. Invalid input raises ``ValueError``
    (:class:`infersim.InputError`) whose message starts with the JSON path at fault.

    >>> sc = Scenario.from_json("scenarios/default.json")
    >>> sc.with_overrides({"market.price_decline": 0.7}).name
    'default'
    """

    __slots__ = ("_core", "_source")

    def __init__(self, core: _core.Scenario, source: str | None = None) -> None:
        if not isinstance(core, _core.Scenario):
            raise TypeError("use Scenario.from_json(path) or Scenario.from_dict(data) to make a Scenario")
        self._core = core
        self._source = source  # the file it was read from: no result is saved over it

    # -- construction -----------------------------------------------------------------

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read and validate a scenario file.

        >>> Scenario.from_json("scenarios/default.json").years[:3]
        [2026, 2027, 2028]
        """
        return cls(_core.Scenario.from_file(path), os.fspath(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Validate a scenario given as a dict shaped like the JSON file.

        >>> import json
        >>> d = json.load(open("scenarios/default.json"))
        >>> d["horizon_years"] = 5
        >>> Scenario.from_dict(d).horizon_years
        5
        """
        return cls(_core.Scenario.from_dict(dict(data)))

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a dict in canonical form (defaults written out).

        ``Scenario.from_dict(sc.to_dict())`` gives the same scenario back.

        >>> Scenario.from_json("scenarios/default.json").to_dict()["simulation"]["sampler"]
        'random'
        """
        return self._core.to_dict()

    def __reduce__(self):  # picklable, e.g. for multiprocessing
        return (Scenario.from_dict, (self.to_dict(),))

    # -- variants ---------------------------------------------------------------------

    def with_overrides(self, overrides: Mapping[str, InputValue]) -> Scenario:
        """A copy with some inputs replaced, checked like the scenario's own values.

        Keys are dotted input paths (see :meth:`inputs`); values are numbers or
        distribution dicts. An unknown path raises ``ValueError`` naming the nearest
        valid ones.

        >>> sc = Scenario.from_json("scenarios/default.json")
        >>> sc.with_overrides({"player.max_utilization": 0.5,
        ...                    "market.spend_growth": {"dist": "uniform", "min": 0.1, "max": 0.3}}
        ...                   ).inputs().loc["player.max_utilization", "median"]
        0.5
        """
        return Scenario(self._core.with_overrides(dict(overrides)))

    def with_stress(self, name: str) -> Scenario:
        """A copy with one of the scenario's named stresses applied (see :attr:`stresses`).

        >>> Scenario.from_json("scenarios/default.json").with_stress("price-war").name
        'default+price-war'
        """
        return Scenario(self._core.with_stress(name))

    def validate(self) -> Scenario:
        """Return self if the scenario can be run with its own settings, else raise ValueError.

        Loading already checks every value, so this is a no-op kept for readable code:
        ``Scenario.from_dict(d).validate()`` says what it does.

        >>> Scenario.from_json("scenarios/default.json").validate().name
        'default'
        """
        self._core.validate()
        return self

    # -- contents ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The scenario's name (with ``+stress`` appended by :meth:`with_stress`)."""
        return self._core.name

    @property
    def description(self) -> str:
        return self._core.description

    @property
    def years(self) -> list[int]:
        """The calendar years of the horizon."""
        return self._core.years

    @property
    def start_year(self) -> int:
        return self._core.start_year

    @property
    def horizon_years(self) -> int:
        return self._core.horizon_years

    @property
    def simulation(self) -> dict[str, Any]:
        """The scenario's own run settings: ``paths``, ``seed``, ``sampler``, ``antithetic``."""
        return self._core.simulation

    @property
    def stresses(self) -> list[str]:
        """Names accepted by :meth:`with_stress`."""
        return self._core.stresses

    @property
    def input_paths(self) -> list[str]:
        """Every input path accepted by :meth:`with_overrides`."""
        return self._core.input_paths

    @property
    def correlations(self) -> list[tuple[str, str, float]]:
        """``(input a, input b, rho)`` for each correlation of the Gaussian copula."""
        return self._core.correlations

    def inputs(self, uncertain: bool | None = None) -> pd.DataFrame:
        """The scenario's inputs, one row each, indexed by dotted path.

        Columns: ``distribution`` (short text), ``median``, ``uncertain`` (not a fixed
        number) and ``json_path`` (where the value is written in the file). With
        ``uncertain=True`` (or ``False``) only those rows.

        >>> sc = Scenario.from_json("scenarios/default.json")
        >>> sc.inputs(uncertain=True).loc["market.spend_growth", "distribution"]
        'pert(min=0.1, mode=0.25, max=0.5)'
        """
        rows = [
            (i.path, i.distribution.describe(), i.distribution.median, i.uncertain, i.json_path)
            for i in self._core.inputs
            if uncertain is None or i.uncertain == uncertain
        ]
        frame = pd.DataFrame.from_records(rows, columns=["path", "distribution", "median", "uncertain", "json_path"])
        return frame.set_index("path")

    def claims(self) -> pd.DataFrame:
        """The scenario's claims, indexed by id: ``metric``, ``year``, ``op``, ``value``, ``rel_tol``.

        >>> Scenario.from_json("scenarios/default.json").claims().loc["arr-13b", "year"]
        2028
        """
        return claims_frame(
            {"id": c.id, "metric": c.metric, "year": c.year, "op": c.op, "value": c.value, "rel_tol": c.rel_tol}
            for c in self._core.claims
        )

    # -- display ----------------------------------------------------------------------

    def __repr__(self) -> str:
        inputs = self._core.inputs
        uncertain = sum(i.uncertain for i in inputs)
        years = self.years
        return (
            f"Scenario({self.name!r}, years {years[0]}-{years[-1]}, {len(inputs)} inputs ({uncertain} uncertain), "
            f"{len(self._core.claims)} claims, {len(self.stresses)} stresses)"
        )


#: What functions taking a scenario accept: a Scenario, or the path of a scenario file.
ScenarioLike = Union[Scenario, str, os.PathLike[str]]


def as_scenario(scenario: ScenarioLike, where: str = "scenario") -> Scenario:
    """A Scenario as given, or read from a file path; `where` names the argument in errors."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return Scenario.from_json(scenario)
    raise TypeError(f"{where}: expected a Scenario or a path to a scenario file, got {type(scenario).__name__}")


def claims_frame(claims: Iterable[Mapping[str, Any]], verdicts: bool = False) -> pd.DataFrame:
    """Claims (dicts shaped as the result JSON writes a claim) as a DataFrame indexed by id:
    metric, year, op, value, rel_tol, and with `verdicts` probability, median and
    value_percentile."""
    claims = list(claims)
    columns = ["metric", "year", "op", "value", "rel_tol"]
    verdicts = ["probability", "median", "value_percentile"] if verdicts else []
    frame = pd.DataFrame(
        {
            "metric": [c["metric"] for c in claims],
            "year": pd.array([c.get("year") for c in claims], dtype="Int64"),  # empty for scalars
            "op": [c["op"] for c in claims],
            "value": [float(c["value"]) for c in claims],
            "rel_tol": [float(c.get("rel_tol", 0.0)) for c in claims],
            **{k: [math.nan if c[k] is None else float(c[k]) for c in claims] for k in verdicts},
        },
        columns=columns + verdicts,
        index=pd.Index([c["id"] for c in claims], name="id"),
    )
    return frame
