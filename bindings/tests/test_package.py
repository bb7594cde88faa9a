"""The package itself: public names, version, type stubs, and the message when the compiled
module is missing."""

from __future__ import annotations

import ast
import doctest
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import infersim
import infersim.plot
from conftest import REPO_ROOT

PACKAGE_DIR = Path(infersim.__file__).parent


def test_public_names():
    for name in infersim.__all__:
        assert hasattr(infersim, name), name
    assert issubclass(infersim.InputError, ValueError)


def test_version_is_the_cmake_project_version():
    text = (REPO_ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    assert infersim.__version__ == re.search(r"project\(\s*infersim\s+VERSION\s+([0-9.]+)", text).group(1)


def test_stubs_cover_the_compiled_module():
    assert (PACKAGE_DIR / "py.typed").is_file()
    stub = ast.parse((PACKAGE_DIR / "_core.pyi").read_text(encoding="utf-8"))
    declared = {
        getattr(node, "name", None) or node.target.id
        for node in stub.body
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AnnAssign))
    }
    public = {name for name in dir(infersim._core) if not name.startswith("_")} | {"__version__"}
    assert public == declared
    classes = {node.name: node for node in stub.body if isinstance(node, ast.ClassDef)}
    for cls_name, node in classes.items():
        members = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        actual = {m for m in dir(getattr(infersim._core, cls_name)) if not m.startswith("_")}
        if cls_name != "InputError":
            assert actual == members, cls_name


def test_missing_compiled_module_explains_how_to_build(tmp_path):
    copy = tmp_path / "infersim"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("_core*.so", "__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-c", "import infersim"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert proc.returncode != 0
    assert "ImportError: infersim's compiled module infersim._core could not be imported" in proc.stderr
    assert "cmake --build --preset release" in proc.stderr


@pytest.mark.parametrize(
    "module",
    [infersim, infersim.scenario, infersim.result, infersim.analysis, infersim.sensitivity, infersim.batch,
     infersim.metrics, infersim.plot],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)  # the examples name scenarios/default.json
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    plt.close("all")
    assert tried > 0 and failures == 0
