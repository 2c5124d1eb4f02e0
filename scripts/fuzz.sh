#!/usr/bin/env bash
# Runs each libFuzzer target for a while (make fuzz): scripts/fuzz.sh BUILD_DIR SECONDS_PER_TARGET
# Seeds: the corpora fuzz_make_corpus writes, plus every known regression input. A crash, leak,
# out-of-memory (2 GB) or timeout (5 s) input is saved into tests/fuzz/regressions/, where the
# ordinary test suite replays it, and fails the run. The targets run side by side (they share the
# machine's cores for those seconds); prints each target's executions.
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: fuzz.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
work="$build/fuzz-work"
mkdir -p "$work"
"$build/bin/fuzz_make_corpus" "$work/seeds" > /dev/null

targets=(fuzz_idx fuzz_idx_gzip fuzz_model)
declare -A kind=([fuzz_idx]=idx [fuzz_idx_gzip]=idx [fuzz_model]=model)
declare -A dict=([fuzz_model]="-dict=$root/tests/fuzz/model.dict")
declare -A pid
for target in "${targets[@]}"; do
  k=${kind[$target]}
  corpus="$work/corpus-$target"
  mkdir -p "$corpus"
  cp -n "$work/seeds/$k"/* "$root/tests/fuzz/regressions/$k"/* "$corpus"/ 2> /dev/null || true
  echo "fuzz: $target for ${seconds}s (corpus $corpus, log $work/$target.log)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/bin/$target" "$corpus" ${dict[$target]:-} -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 \
      -print_final_stats=1 -artifact_prefix="$root/tests/fuzz/regressions/$k/$target-" > "$work/$target.log" 2>&1 &
  pid[$target]=$!
done

status=0
summary=""
for target in "${targets[@]}"; do
  k=${kind[$target]}
  log="$work/$target.log"
  if wait "${pid[$target]}"; then
    result=ok
  else
    result="FAILED (see $log; the input is in tests/fuzz/regressions/$k/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  summary+=$(printf '%-14s %12s executions in %ss: %s' "$target" "${runs:-?}" "$seconds" "$result")$'\n'
  echo "$target:"
  tail -n 3 "$log" | sed 's/^/  /'
done
printf '\nfuzz summary (%s, %s targets side by side):\n%s' "$(date -u +%Y-%m-%d)" "${#targets[@]}" "$summary"
exit $status
