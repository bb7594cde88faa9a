#!/usr/bin/env python3
"""From the seed's v1 base case to its v2 recalibration, one convention at a time.

Runs the deterministic Meta base case in five forms and prints each one's NPV, EBIT in the
claim year and terminal value, so that README's "The seed's claim, put to the test" can say
which change moves the verdict:

  1. scenarios/v1/meta_8pct_base.json                 model v1
  2. scenarios/meta_8pct_v2_finance.json               v1 + the corporate-finance layer (all-token units)
  3. scenarios/meta_8pct_base.json, v1's price path   v2 without the cost-plus price
  4. scenarios/meta_8pct_base.json, no terminal value v2 with NPV over 2026-2035 only
  5. scenarios/meta_8pct_base.json                     model v2

    /usr/bin/python3 bench/verdict_walk.py --cli build/engine/infersim
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def variants() -> list[tuple[str, dict]]:
    v1 = json.loads((SCENARIOS / "v1" / "meta_8pct_base.json").read_text())
    fin = json.loads((SCENARIOS / "meta_8pct_v2_finance.json").read_text())
    v2 = json.loads((SCENARIOS / "meta_8pct_base.json").read_text())
    path_priced = json.loads(json.dumps(v2))
    path_priced["market"].pop("price")  # price0 2.0 falling 50% a year, as in v1
    no_terminal = json.loads(json.dumps(v2))
    no_terminal["player"]["terminal"] = {"method": "none"}
    return [("v1 base", v1), ("+ finance layer (meta_8pct_v2_finance)", fin),
            ("v2 base with v1's price path", path_priced), ("v2 base without terminal value", no_terminal),
            ("v2 base (meta_8pct_base)", v2)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default=str(ROOT / "build" / "engine" / "infersim"))
    a = ap.parse_args()
    print(f"{'form':42} {'NPV':>10} {'EBIT 2027':>10} {'TV':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, scenario in variants():
            src, out = pathlib.Path(tmp) / "s.json", pathlib.Path(tmp) / "r.json"
            src.write_text(json.dumps(scenario))
            proc = subprocess.run([a.cli, "run", str(src), "--paths", "1", "--quiet", "--out", str(out)],
                                  capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                print(f"{label}: {proc.stderr.strip()}", file=sys.stderr)
                return 1
            r = json.loads(out.read_text())
            ebit = r["series"]["ebit_usd"]["p50"][r["years"].index(2027)]
            tv = r["scalars"].get("terminal_value_usd", {}).get("p50", 0.0)
            print(f"{label:42} {r['scalars']['npv_usd']['p50'] / 1e9:+9.1f}B {ebit / 1e9:+9.2f}B {tv / 1e9:+9.1f}B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
