#!/usr/bin/env python3
"""Byte-identity of results between two builds of the command line.

Runs the same matrix of commands (every bundled scenario under every sampler, antithetic
pairs, stresses, comparisons, kept claims and the analysis commands) with a reference CLI
and a candidate CLI, and compares the JSON they write byte for byte, apart from the one
field that measures time (`elapsed_s`). Used when the engine is restructured: a refactor
must not move a single bit.

    /usr/bin/python3 bench/identity_check.py --reference OLD/infersim --candidate build/engine/infersim
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.json")) + sorted((ROOT / "scenarios" / "v1").glob("*.json"))


def commands() -> list[tuple[str, list[str]]]:
    out = []
    for sc in SCENARIOS:
        s = str(sc)
        name = str(sc.relative_to(ROOT / "scenarios").with_suffix("")).replace("/", "-")
        for sampler in ("random", "lhs", "sobol"):
            out.append((f"{name}-run-{sampler}", ["run", s, "--paths", "50000", "--sampler", sampler]))
        out.append((f"{name}-run-exact", ["run", s, "--paths", "3000", "--seed", "7"]))
        out.append((f"{name}-run-antithetic", ["run", s, "--paths", "40000", "--antithetic"]))
        out.append((f"{name}-stress", ["stress", s, "--paths", "20000"]))
        data = json.loads(sc.read_text())
        if data.get("claim_chain"):
            out.append((f"{name}-claims", ["claims", s, "--paths", "20000"]))
        uncertain = any(isinstance(v, dict) and "dist" in v
                        for sec in ("market", "player") for v in data.get(sec, {}).values())
        if uncertain:
            out.append((f"{name}-tornado", ["tornado", s, "--metric", "npv_usd"]))
            out.append((f"{name}-tornado-mc", ["tornado", s, "--metric", "npv_usd", "--method", "montecarlo",
                                               "--paths", "5000"]))
            out.append((f"{name}-spearman", ["spearman", s, "--metric", "npv_usd", "--paths", "5000"]))
            out.append((f"{name}-spearman-sobol", ["spearman", s, "--metric", "revenue_usd@2028", "--paths", "4096",
                                                   "--sampler", "sobol"]))
            out.append((f"{name}-sobol", ["sobol", s, "--metric", "npv_usd", "--paths", "256"]))
    d = str(ROOT / "scenarios" / "default.json")
    u = str(ROOT / "scenarios" / "v1" / "meta_8pct_uncertain.json")
    out.append(("default-compare-self", ["compare", d, "--with", d, "--paths", "20000"]))
    out.append(("uncertain-solve", ["solve", u, "--input", "player.share_end", "--range", "0.02", "0.2",
                                    "--target", "npv_usd:p50=0", "--paths", "5000"]))
    out.append(("uncertain-sweep", ["sweep", u, "--input", "market.price_decline=0.3:0.7:3",
                                    "--input", "player.share_end=0.05,0.08", "--metric", "npv_usd:prob_positive",
                                    "--paths", "5000"]))
    return out


def run(cli: str, args: list[str], out: pathlib.Path) -> tuple[int, str]:
    proc = subprocess.run([cli, *args, "--out", str(out), "--quiet"] if args[0] == "run"
                          else [cli, *args, "--out", str(out)], capture_output=True, text=True)
    return proc.returncode, proc.stderr


def normalized(path: pathlib.Path) -> str:
    # elapsed_s is wall time; everything else must match to the byte.
    return re.sub(r'"elapsed_s":\s*[0-9.eE+-]+', '"elapsed_s": 0', path.read_text())


def without_new_metrics(candidate: object, reference: object) -> object:
    """The candidate's JSON without the metrics the reference does not write (outputs added
    since, e.g. model-v2 §C's ebitda_usd or mirr): every other value must still match."""
    if isinstance(candidate, dict) and isinstance(reference, dict):
        out = {}
        for k, v in candidate.items():
            if k in reference:
                out[k] = without_new_metrics(v, reference[k])
            elif k not in ("scalars", "series", "metrics") and not _in_metric_block(candidate, reference):
                out[k] = v
        return out
    if isinstance(candidate, list) and isinstance(reference, list) and len(candidate) == len(reference):
        return [without_new_metrics(c, r) for c, r in zip(candidate, reference)]
    return candidate


def _in_metric_block(candidate: dict, reference: dict) -> bool:
    # A block of metrics: the reference's keys are a subset of the candidate's, all metric names.
    return bool(reference) and set(reference) < set(candidate) and any(k.endswith("_usd") for k in reference)


def same_values(ref: pathlib.Path, new: pathlib.Path) -> bool:
    """Equal apart from elapsed_s and the metrics only the candidate writes (floats compared
    exactly, as the JSON writes them)."""
    r, c = json.loads(normalized(ref)), json.loads(normalized(new))
    return json.dumps(without_new_metrics(c, r)) == json.dumps(r)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("-k", default="", help="only commands whose name contains this")
    ap.add_argument("--new-metrics", action="store_true",
                    help="ignore metrics that only the candidate writes (outputs added since the reference)")
    a = ap.parse_args()
    failures = 0
    cases = [c for c in commands() if a.k in c[0]]
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        for name, args in cases:
            ro, co = t / f"{name}.ref.json", t / f"{name}.new.json"
            rc1, e1 = run(a.reference, args, ro)
            rc2, e2 = run(a.candidate, args, co)
            if rc1 == 2 and rc2 == 0:
                # A scenario that uses what the reference lacks (a newer format): nothing to compare.
                print(f"new   {name} (the reference rejects it: {e1.strip().splitlines()[-1] if e1.strip() else ''})")
            elif rc1 != rc2:
                print(f"DIFF  {name}: exit {rc1} vs {rc2}\n{e1}\n{e2}")
                failures += 1
            elif rc1 != 0:
                print(f"SAME  {name} (both exit {rc1}: {e1.strip().splitlines()[-1] if e1.strip() else ''})")
            elif normalized(ro) == normalized(co):
                print(f"same  {name}")
            elif a.new_metrics and same_values(ro, co):
                print(f"same  {name} (apart from new metrics)")
            else:
                print(f"DIFF  {name}: {' '.join(args)}")
                failures += 1
    print(f"{len(cases) - failures} identical, {failures} different")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
