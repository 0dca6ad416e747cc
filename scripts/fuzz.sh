#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/) with clang-14 into build/fuzz and runs each on a copy
# of its seed corpus for a share of SECONDS (default 60 in total, split evenly between the targets).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: scenario, config, catalog_id, sweep, import (default: all)
#
# Environment: FUZZ_PARALLEL (targets run at once, default nproc), FUZZ_PREBUILT (a build of the asan preset: run its harnesses, build nothing),
# FUZZ_BUILD_DIR (default build/fuzz), CC/CXX (default clang-14/clang++-14),
# FUZZ_WORK (where corpora grow and crashes land; default $FUZZ_BUILD_DIR/work), FUZZ_JOBS (build
# parallelism, default 2). Needs Debian's clang-14 and libclang-rt-14-dev.
#
# Exit status 0 when no harness crashed, hung or leaked; 1 on a finding (the reproducer is kept in
# $FUZZ_WORK/<target>/artifacts/ and named in the output); 2 on a usage or build error. The last line is
# a summary: "fuzz: <N> targets, <S> s, <E> executions, <C> crashes".
set -uo pipefail
cd "$(dirname "$0")/.."

total_seconds="${1:-60}"
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(scenario config catalog_id sweep import)
if ! [[ "$total_seconds" =~ ^[0-9]+$ ]] || [ "$total_seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [scenario|config|catalog_id|sweep|import ...]" >&2
  exit 2
fi

build_dir="${FUZZ_BUILD_DIR:-build/fuzz}"
export CC="${CC:-clang-14}" CXX="${CXX:-clang++-14}"
if [ -n "${FUZZ_PREBUILT:-}" ]; then
  # The asan preset (VRAMPLAN_FUZZ=ON) already built the harnesses against its instrumented core.
  bin_dir="$FUZZ_PREBUILT/tests/fuzz"
  work="${FUZZ_WORK:-$FUZZ_PREBUILT/fuzz-work}"
  echo "== fuzz harnesses of $FUZZ_PREBUILT (built by the asan preset) =="
else
  bin_dir="$build_dir"
  work="${FUZZ_WORK:-$build_dir/work}"
  if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "error: $CXX not found: install clang-14 and libclang-rt-14-dev" >&2
    exit 2
  fi
  echo "== building the fuzz harnesses ($CXX, $build_dir) =="
  if ! cmake -S tests/fuzz -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build_dir.configure.log" 2>&1; then
    cat "$build_dir.configure.log" >&2
    exit 2
  fi
  if ! cmake --build "$build_dir" -j "${FUZZ_JOBS:-2}"; then
    echo "error: the fuzz harnesses did not build" >&2
    exit 2
  fi
fi

per_target=$(( total_seconds / ${#targets[@]} ))
[ "$per_target" -lt 1 ] && per_target=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# The targets run side by side, FUZZ_PARALLEL at a time (default: the number of cores), each for its
# share of SECONDS: libFuzzer runs one process on one core, so one after another left the other core
# idle. The fuzzing done (CPU-seconds per target) is the same; the wall time is 1/FUZZ_PARALLEL of it.
parallel="${FUZZ_PARALLEL:-$(nproc)}"
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || parallel=1

run_target() {
  local target="$1" binary="$bin_dir/fuzz_$1" corpus="$work/$1/corpus" artifacts="$work/$1/artifacts"
  # The seed corpus is read-only input; what the fuzzer finds grows in $corpus (first directory).
  # -timeout: an input taking 45 s is a hang. Not less: fuzz_scenario runs `recommend` on every
  # input, and for an RL scenario that is a few thousand estimates (about 0.2 s natively, 9-15 s under
  # ASan+UBSan -O1 on a loaded 2-core machine: a 10 s limit stopped honest seed inputs). -rss_limit_mb
  # bounds memory; -max_len lets 64 KiB documents grow (deep nesting, long strings).
  "$binary" "$corpus" "tests/fuzz/corpus/$target" \
    -dict=tests/fuzz/json.dict \
    -max_total_time="$per_target" -timeout=45 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$work/$target/fuzz.log" 2>&1
  echo $? >"$work/$target/exit_status"
}

for target in "${targets[@]}"; do
  if [ ! -x "$bin_dir/fuzz_$target" ] || [ ! -d "tests/fuzz/corpus/$target" ]; then
    echo "error: unknown target $target (no $bin_dir/fuzz_$target or tests/fuzz/corpus/$target)" >&2
    exit 2
  fi
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  rm -f "$work/$target/exit_status"
done

echo "== ${#targets[@]} targets, ${per_target} s each, $parallel at a time =="
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n
    running=$(( running - 1 ))
  fi
  run_target "$target" &
  running=$(( running + 1 ))
done
wait

status=0
crashes=0
executions=0
for target in "${targets[@]}"; do
  log="$work/$target/fuzz.log"
  artifacts="$work/$target/artifacts"
  rc=$(cat "$work/$target/exit_status" 2>/dev/null || echo 2)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  runs="${runs:-0}"
  executions=$(( executions + runs ))
  if [ "$rc" -ne 0 ]; then
    status=1
    crashes=$(( crashes + 1 ))
    echo "fuzz_$target FAILED (exit $rc) after $runs executions; last lines of $log:"
    tail -n 40 "$log"
    ls -1 "$artifacts" | sed "s|^|  reproducer: $artifacts/|"
  else
    echo "fuzz_$target: $runs executions, no findings"
  fi
done

echo "fuzz: ${#targets[@]} targets, $(( per_target * ${#targets[@]} )) s, $executions executions, $crashes crashes"
exit "$status"
