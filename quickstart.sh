#!/usr/bin/env bash
# One command from a fresh Debian bookworm machine to a result:
#   ./quickstart.sh          install what is missing, build, run the default scenario
#   ./quickstart.sh test     install what is missing, build, run every test (then again
#                            under AddressSanitizer + UndefinedBehaviorSanitizer)
# Run as root (or with sudo available) the first time, so that apt-get can install.
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  cmake g++ make
  libeigen3-dev libboost-math-dev libboost-random-dev libtbb-dev nlohmann-json3-dev
  doctest-dev libcli11-dev pybind11-dev
  python3 python3-dev python3-numpy python3-pandas python3-matplotlib python3-scipy
  python3-pytest python3-nbclient python3-nbformat python3-ipykernel python3-tqdm
  # `python3 -m infersim serve` and its tests: the server, Chart.js for the pages, a browser
  python3-fastapi python3-uvicorn libjs-chart.js python3-jsonschema chromium chromium-driver python3-selenium
  python3-jinja2      # pandas' Styler: DataFrames displayed in their units ($B, %)
  python3-hypothesis clang libfuzzer-14-dev   # property tests; fuzzing (tests/fuzz)
  python3-distributed # infersim.distributed: runs on a Dask cluster, and its tests (a LocalCluster)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "quickstart: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

# Debian's interpreter, which has the packages above (a pyenv `python3` may come first on PATH).
cmake --preset release -DPython3_EXECUTABLE=/usr/bin/python3 > /dev/null
cmake --build --preset release -j "$(nproc)"

case "${1:-run}" in
  run)
    ./build/engine/infersim run scenarios/default.json --out build/default.result.json
    ;;
  test)
    # Test entries run side by side, one a core: most are a single pytest process, and the
    # fuzz smoke's build overlaps the Python suites.
    ctest --preset release --parallel "$(nproc)"
    # The same suite on a sanitized build: memory errors and undefined behaviour fail it.
    cmake --preset asan > /dev/null
    cmake --build --preset asan -j "$(nproc)"
    ctest --preset asan --parallel "$(nproc)"
    ;;
  *)
    echo "usage: $0 [run|test]" >&2
    exit 2
    ;;
esac
