"""Seed corpora for the libFuzzer harnesses: the bundled scenarios, every malformed case of
tests/cli/test_malformed.py, the catalog's files and a few argument lines.

    /usr/bin/python3 tests/fuzz/make_corpus.py OUT_DIR   # writes OUT_DIR/{scenario,catalog,args}
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "cli"))


def write(directory: Path, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8", "surrogatepass")
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main(out: Path) -> None:
    import test_malformed  # the table of malformed scenarios

    default = json.loads((REPO / "scenarios" / "default.json").read_text())
    for path in sorted((REPO / "scenarios").glob("*.json")):
        write(out / "scenario", path.read_text())
    for case in test_malformed.CASES:
        mutation = case[1]
        if isinstance(mutation, str):
            write(out / "scenario", mutation)
        else:
            doc = copy.deepcopy(default)
            replaced = mutation(doc)
            write(out / "scenario", json.dumps(doc if replaced is None else replaced, indent=1))
    for path in sorted((REPO / "data").glob("*.json")):
        write(out / "catalog", path.read_text())
        # Each group of figures as a file of its own too: a catalog of a few kB parses ten
        # times faster than a whole one (up to 80 kB) and reaches the same checks.
        doc = json.loads(path.read_text())
        for top, body in doc.items():
            for key, group in body.items():
                if isinstance(group, dict):
                    write(out / "catalog", json.dumps({top: {key: group}}, indent=1))
    for line in ["200000", "2e5\nnpv_usd:p50", "18446744073709551615\n0.2:0.6:5", "sobol\nrevenue_usd@2028:mean",
                 "-1\n1,2,3", "1e400\nnpv_usd:prob_positive"]:
        write(out / "args", line)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
