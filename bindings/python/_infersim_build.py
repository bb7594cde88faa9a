"""setuptools commands that build infersim._core with the project's CMake (pyproject.toml
names them), so that `pip install --no-build-isolation .` needs nothing beyond the system
packages of quickstart.sh. Not part of the installed package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info
from wheel.bdist_wheel import bdist_wheel

ROOT = Path(__file__).resolve().parents[2]


def _project_version() -> str:
    """The version, kept in one place: `project(infersim VERSION x.y.z)` in CMakeLists.txt."""
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    match = re.search(r"project\(\s*infersim\s+VERSION\s+([0-9][0-9.]*)", text)
    if not match:
        raise RuntimeError("no `project(infersim VERSION ...)` in CMakeLists.txt")
    return match.group(1)


VERSION = _project_version()


class BuildPy(build_py):
    """Copy the pure-Python files, then build _core with CMake and put it next to them."""

    def run(self) -> None:
        super().run()
        build_dir = Path(self.get_finalized_command("build").build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython3_EXECUTABLE={sys.executable}",  # the interpreter pip runs for
            "-DINFERSIM_BUILD_TESTS=OFF", "-DINFERSIM_BUILD_CLI=OFF",
        ]
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        self.announce("building infersim._core with CMake", level=2)
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_core", "-j", jobs], check=True)
        built = list((build_dir / "python" / "infersim").glob("_core*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one _core module in {build_dir}/python/infersim, found {built}")
        target = Path(self.build_lib) / "infersim"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], target / built[0].name)


class EggInfo(egg_info):
    """Metadata goes to the build directory, not next to the sources."""

    def finalize_options(self) -> None:
        if self.egg_base is None:
            self.egg_base = self.get_finalized_command("build").build_base
            os.makedirs(self.egg_base, exist_ok=True)
        super().finalize_options()


class BdistWheel(bdist_wheel):
    """A platform wheel (cp311-cp311-linux_x86_64 ...): it holds a compiled module."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False
