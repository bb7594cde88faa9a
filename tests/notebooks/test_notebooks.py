"""The notebooks in notebooks/ run from top to bottom, and every notebook is stored clean.

CTest runs this with the build tree on the path (bindings/CMakeLists.txt, test "notebooks"):

    PYTHONPATH=$PWD/build/python /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/notebooks

Each notebook runs in a fresh kernel of this same interpreter, with the repository root as its
working directory (so "scenarios/..." paths resolve) and this process's environment, PYTHONPATH
included. Outputs go to an in-memory copy, which is saved under pytest's tmp_path for
inspection. Nothing is written back to notebooks/.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 300
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def kernel_manager(tmp_path: Path) -> AsyncKernelManager:
    """A manager for a kernel of sys.executable, whatever the machine's "python3" kernelspec says."""
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (infersim notebook tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)


def kernel_environment() -> dict[str, str]:
    """This process's environment for the kernel, with PYTHONPATH entries made absolute."""
    env = dict(os.environ)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    # CTest sets MPLBACKEND=Agg for the other tests. Without it, ipykernel picks its inline backend,
    # which renders every figure (with Agg), so an error raised only at drawing time fails the test.
    env.pop("MPLBACKEND", None)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets ipykernel's debugger warning at start-up
    return env


def test_the_notebooks_are_found():
    expected = {"01_the_8pct_claim.ipynb", "02_hyperion_buildout.ipynb", "03_stress_tests.ipynb",
                "04_what_drives_the_npv.ipynb", "05_what_throughput_buys.ipynb",
                "06_open_vs_closed.ipynb"}
    assert expected <= {p.name for p in NOTEBOOKS}, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tmp_path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        km=kernel_manager(tmp_path),
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(REPO_ROOT)}},  # the kernel's working directory
    )
    executed_copy = tmp_path / path.name
    failure = None
    # cleanup_kc: shut the kernel down at the end although the client did not create its manager.
    with client.setup_kernel(env=kernel_environment(), cleanup_kc=True):
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
                # The error's text shows the cell's source and the traceback.
                failure = f"{path.name}: cell {index} failed\n{ANSI_ESCAPE.sub('', str(err))}"
                break
    nbformat.write(nb, executed_copy)
    if failure:
        pytest.fail(f"{failure}\n(executed copy: {executed_copy})", pytrace=False)


def repository_notebooks() -> list[Path]:
    """Every .ipynb in the repository, outside build trees (build/, build-*/) and hidden folders."""
    found = []
    for folder, subfolders, files in os.walk(REPO_ROOT):
        at_root = Path(folder) == REPO_ROOT
        subfolders[:] = sorted(
            d for d in subfolders
            if not d.startswith(".") and not (at_root and (d == "build" or d.startswith("build-")))
        )
        found += [Path(folder) / f for f in sorted(files) if f.endswith(".ipynb")]
    return found


def test_notebooks_are_stored_without_outputs():
    notebooks = repository_notebooks()
    assert set(NOTEBOOKS) <= set(notebooks)
    dirty = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if cell.outputs:
                dirty.append(f"{path.relative_to(REPO_ROOT)}: cell {index} has {len(cell.outputs)} output(s)")
            if cell.execution_count is not None:
                dirty.append(f"{path.relative_to(REPO_ROOT)}: cell {index} has execution count {cell.execution_count}")
    assert not dirty, "store notebooks without outputs (e.g. jupyter nbconvert --clear-output --inplace):\n" + "\n".join(dirty)


def test_progress_bar_renders_without_warnings(tmp_path: Path):
    """A run's progress bar in a notebook renders, as tqdm's widget (ipywidgets >= 7) or as its
    text bar (Debian bookworm's ipywidgets 6, whose widgets nbclient cannot read), and without
    tqdm's "IProgress not found" warning."""
    source = "import infersim\ninfersim.run('scenarios/default.json', paths=20_000, progress=True).paths"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    client = NotebookClient(nb, km=kernel_manager(tmp_path), timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(REPO_ROOT)}})
    with client.setup_kernel(env=kernel_environment(), cleanup_kc=True):
        client.execute_cell(nb.cells[0], 0)
    outputs = nb.cells[0].outputs
    stderr = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.get("name") == "stderr")
    assert "IProgress" not in stderr and "TqdmWarning" not in stderr, stderr
    widget = any(o.output_type == "display_data" and "application/vnd.jupyter.widget-view+json" in o.get("data", {})
                 for o in outputs)
    assert widget or re.search(r"infersim: +\d+%\|", stderr), outputs  # the bar, one way or the other
    assert outputs[-1].output_type == "execute_result" and outputs[-1].data["text/plain"] == "20000"
