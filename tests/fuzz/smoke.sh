#!/bin/sh
# The fuzz smoke run of the test suite: builds the `fuzz` preset (clang, libFuzzer, ASan +
# UBSan; incremental after the first time) and runs each harness for a few seconds from the
# seed corpus. Exit 77 (CTest: skipped) without clang and libFuzzer.
#   tests/fuzz/smoke.sh [SECONDS_PER_HARNESS]     (default 6: about 25 s in all)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-6}
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }\n' > "$probe/p.cpp"
if ! clang++ -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
  echo "clang++ with libFuzzer not found (apt-get install clang libfuzzer-14-dev): skipped"
  exit 77
fi
cd "$root"
cmake --preset fuzz > "$probe/configure.log" || { cat "$probe/configure.log"; exit 1; }
cmake --build --preset fuzz -j2 > "$probe/build.log" 2>&1 || { tail -50 "$probe/build.log"; exit 1; }
/usr/bin/python3 tests/fuzz/make_corpus.py "$probe/corpus"
for harness in scenario run catalog args; do
  case $harness in run) seeds=scenario ;; *) seeds=$harness ;; esac
  mkdir -p "$probe/found-$harness"
  echo "fuzz_$harness: ${seconds} s"
  # New inputs go to a scratch directory: the seeds stay as they are.
  maxlen=""
  [ "$harness" = catalog ] && maxlen="-max_len=16384"   # as bench/fuzz_campaign.sh
  # shellcheck disable=SC2086
  build-fuzz/tests/fuzz/fuzz_$harness -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 $maxlen \
    -dict=tests/fuzz/scenario.dict -artifact_prefix="$probe/" -print_final_stats=1 \
    "$probe/found-$harness" "$probe/corpus/$seeds" 2>&1 | grep -E "stat::number_of_executed_units|stat::peak_rss|cov:.*ft:" | tail -3
  if ls "$probe"/crash-* "$probe"/leak-* "$probe"/timeout-* "$probe"/oom-* >/dev/null 2>&1; then
    echo "fuzz_$harness found a failing input:"
    for f in "$probe"/crash-* "$probe"/leak-* "$probe"/timeout-* "$probe"/oom-*; do [ -e "$f" ] && { echo "$f"; head -c 2000 "$f" | od -c | head -20; }; done
    exit 1
  fi
done
