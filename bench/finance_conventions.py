#!/usr/bin/env python3
"""The seed's claim under every terminal-value method and tax treatment (docs/model.md §7a).

Runs a scenario (by default scenarios/meta_8pct_v2_finance.json) once per combination of
`player.terminal.method` (none, gordon at g = 0, book_value, exit_multiple at the scenario's
multiple or 12) and `player.tax_losses` (none, group_relief, carry_forward), everything else
unchanged and on the same paths, and prints NPV (p50, P(NPV > 0)), EBIT in the claim year and
the spread across conventions: how much of the verdict is convention rather than economics.

    /usr/bin/python3 bench/finance_conventions.py --cli build-dev/engine/infersim [--paths 20000]
"""
from __future__ import annotations

import argparse
import copy
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
TAX = ("none", "group_relief", "carry_forward")


def terminals(player: dict) -> list[tuple[str, dict]]:
    multiple = player.get("terminal", {}).get("multiple", 12)
    return [("none", {"method": "none"}), ("gordon g=0", {"method": "gordon", "growth": 0}),
            ("book_value", {"method": "book_value"}), ("exit_multiple", {"method": "exit_multiple", "multiple": multiple})]


def money(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e9:+.1f}B"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "meta_8pct_v2_finance.json"))
    ap.add_argument("--cli", default=str(ROOT / "build" / "engine" / "infersim"))
    ap.add_argument("--paths", type=int, default=10000)
    ap.add_argument("--year", type=int, help="the claim year for EBIT (default: the claim chain's, else 2027)")
    a = ap.parse_args()
    base = json.loads(pathlib.Path(a.scenario).read_text())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for t_name, terminal in terminals(base["player"]):
            for tax in TAX:
                sc = copy.deepcopy(base)
                sc["player"]["terminal"] = terminal
                sc["player"]["tax_losses"] = tax
                src, out = pathlib.Path(tmp) / "s.json", pathlib.Path(tmp) / "r.json"
                src.write_text(json.dumps(sc))
                proc = subprocess.run([a.cli, "run", str(src), "--paths", str(a.paths), "--out", str(out), "--quiet"],
                                      capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"{t_name} / {tax}: {proc.stderr.strip()}", file=sys.stderr)
                    return 1
                r = json.loads(out.read_text())
                year = a.year or 2027
                t = r["years"].index(year)
                npv = r["scalars"]["npv_usd"]
                rows.append((t_name, tax, npv["p50"], npv["prob_positive"], r["series"]["ebit_usd"]["p50"][t],
                             r["series"]["fcf_usd"]["p50"][-1], r["scalars"]["terminal_value_usd"]["p50"],
                             r["scalars"]["mirr"]["p50"]))
    print(f"{base['name']}: {a.paths} paths a convention, same seed\n")
    print(f"  {'terminal':<14} {'tax losses':<14} {'NPV p50':>10} {'P(NPV>0)':>9} {'EBIT ' + str(a.year or 2027):>10}"
          f" {'last FCF':>10} {'TV p50':>10} {'MIRR p50':>9}")
    for t_name, tax, npv, prob, ebit, fcf, tv, mirr in rows:
        mirr_s = "n/a" if mirr is None else f"{100 * mirr:.1f}%"
        print(f"  {t_name:<14} {tax:<14} {money(npv):>10} {100 * prob:>8.1f}% {money(ebit):>10} {money(fcf):>10}"
              f" {money(tv):>10} {mirr_s:>9}")
    npvs = [r[2] for r in rows]
    probs = [r[3] for r in rows]
    print(f"\n  spread of NPV p50 across conventions: {money(min(npvs))} .. {money(max(npvs))}"
          f" ({money(max(npvs) - min(npvs))}); P(NPV > 0) {100 * min(probs):.1f}% .. {100 * max(probs):.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
