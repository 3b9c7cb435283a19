#!/bin/sh
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ and runs each for SECONDS
# (default 30): scripts/fuzz.sh [SECONDS]. Each starts from a corpus the project's encoders make
# (build-fuzz/corpus/<target>/, kept between runs, so coverage accumulates) after the saved
# regressions (fuzz/regressions/) were replayed under ASan/UBSan. Exits non-zero when a target
# crashes, hangs (-timeout=10), exceeds -rss_limit_mb=512 or breaks an invariant, naming the
# reproducer; to keep it, copy it into fuzz/regressions/<target>/ (a raw file is fine, a .hex file
# may say what it is).
set -eu
seconds=${1:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-fuzz"
targets="envelope changeset feed_page ack"

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DMOTCUA_FUZZ=ON -DMOTCUA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target motcua-fuzzers

"$build/fuzz/motcua-fuzz-seeds" "$build/corpus"
for t in $targets; do
  "$build/fuzz/motcua-fuzz-replay" "$t" "$here/fuzz/regressions/$t" --expect-refused >"$build/replay-$t.log" 2>&1 || {
    cat "$build/replay-$t.log"
    echo "fuzz: a saved regression input of $t fails under ASan/UBSan (log above)" >&2
    exit 1
  }
done

failed=""
mkdir -p "$build/logs"
for t in $targets; do
  mkdir -p "$build/crashes/$t"
  log="$build/logs/$t.log"
  echo "fuzz: $t for ${seconds}s"
  if "$build/fuzz/motcua-fuzz-$t" -max_total_time="$seconds" -rss_limit_mb=512 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/crashes/$t/" "$build/corpus/$t" >"$log" 2>&1; then
    # "#N DONE cov: C ft: F corp: ..." and the executions per second.
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    rate=$(grep -E '^stat::average_exec_per_sec' "$log" | sed 's/.*:[[:space:]]*//' || true)
    echo "fuzz: $t ok: ${done_line:-?} exec/s: ${rate:-?}"
  else
    tail -n 40 "$log"
    reproducer=$(grep -E 'Test unit written to|written to ' "$log" | sed 's/.*written to //' | tail -n 1 || true)
    echo "fuzz: $t FAILED; reproducer: ${reproducer:-none written} (log: $log)" >&2
    failed="$failed $t"
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: targets that failed:$failed" >&2
  exit 1
fi
