#!/bin/sh
# The long fuzz campaign (docs/hardening.md): each harness until RUNS executions (default
# 10^7) or SECONDS (default 4 h) pass, corpora kept in build-fuzz/corpus/ between campaigns,
# failing inputs in build-fuzz/artifacts/. Prints executions, coverage and crashes.
#   bench/fuzz_campaign.sh [RUNS] [SECONDS] [JOBS] [HARNESS ...]   (default: all four)
# FUZZ_TIMEOUT (default 20 s) is libFuzzer's per-input limit, in wall-clock time: on a machine
# busy with other work, a campaign run at low priority can be descheduled for longer than 20 s
# and report a "timeout" that is not one (re-run the input alone to tell).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10000000}
seconds=${2:-14400}
jobs=${3:-1}
timeout=${FUZZ_TIMEOUT:-20}
[ $# -gt 3 ] && { shift 3; harnesses="$*"; } || harnesses="scenario run catalog args"
cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2
corpus=build-fuzz/corpus
artifacts=build-fuzz/artifacts
mkdir -p "$artifacts"
[ -d "$corpus/scenario" ] || /usr/bin/python3 tests/fuzz/make_corpus.py "$corpus"
mkdir -p "$corpus/run"
for harness in $harnesses; do
  case $harness in run) seeds=$corpus/scenario ;; *) seeds=$corpus/$harness ;; esac
  # Catalog inputs are capped at 16 kB: the group-sized seeds reach the same checks as whole
  # files (up to 80 kB) at several times the executions a second.
  maxlen=""
  [ "$harness" = catalog ] && maxlen="-max_len=16384"
  # One log a campaign and harness: an interrupted campaign's figures stay on record.
  log=build-fuzz/campaign-$harness-$(date +%Y%m%d-%H%M%S).log
  echo "== fuzz_$harness: up to $runs executions or $seconds s (log: $log)"
  start=$(date +%s)
  # -jobs N (N > 1) runs N processes, each logging to fuzz-K.log; one process logs here.
  parallel=""
  [ "$jobs" -gt 1 ] && parallel="-jobs=$jobs -workers=$jobs"
  # shellcheck disable=SC2086
  build-fuzz/tests/fuzz/fuzz_$harness -runs="$runs" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
    $parallel $maxlen -dict=tests/fuzz/scenario.dict -artifact_prefix="$artifacts/$harness-" \
    -print_final_stats=1 "$corpus/$harness" "$seeds" > "$log" 2>&1 || true
  echo "   $(( $(date +%s) - start )) s; $(grep -E 'stat::number_of_executed_units' "$log" | tail -1)"
  echo "   $(grep -E 'cov: ' "$log" | tail -1 | sed 's/^.*\(cov: [0-9]* ft: [0-9]*\).*$/\1/')"
  echo "   crashes: $(ls "$artifacts" | grep -c "^$harness-" || true)"
done
