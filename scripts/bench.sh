#!/usr/bin/env bash
# Builds the benchmarks (Release, -DVRAMPLAN_BUILD_BENCHMARKS=ON) and runs them all:
#   1. the native Google Benchmark suite (bench/bench_main.cpp),
#   2. the WebAssembly timings under node (bench/wasm_bench.mjs), when build/wasm/vramplan.js exists
#      (scripts/build-web.sh builds it),
#   3. the web artefact sizes (bench/sizes.sh, appends a line to bench/sizes.csv),
#   4. the accuracy comparison with the peers (bench/peers/compare.py).
# Timings are reported, never asserted. Results are described in docs/benchmarks.md.
#
#   scripts/bench.sh [BUILD_DIR]        (default build/bench; JOBS=N to set build parallelism)
#   BENCH_ARGS="--benchmark_repetitions=5" scripts/bench.sh   (extra Google Benchmark flags)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${1:-build/bench}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"

# The top-level CMakeLists.txt adds bench/ under VRAMPLAN_BUILD_BENCHMARKS. Until it does, a small
# wrapper project in the build folder adds the project and bench/ side by side.
src=$root
if ! grep -q 'add_subdirectory(bench)' CMakeLists.txt; then
  src="$build/wrapper"
  mkdir -p "$src"
  cat > "$src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(vramplan_bench_wrapper LANGUAGES CXX)
add_subdirectory("$root" main)
add_subdirectory("$root/bench" bench)
CMAKE
  build="$build/wrapped"
fi
cmake -S "$src" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DVRAMPLAN_BUILD_BENCHMARKS=ON -DVRAMPLAN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target vramplan_bench vramplan
bench_bin=$(find "$build" -type f -name vramplan_bench -perm -u+x | head -n1)
cli_bin=$(find "$build" -type f -name vramplan -perm -u+x -path '*cli*' | head -n1)

echo; echo "== native (Google Benchmark)"
# shellcheck disable=SC2086
"$bench_bin" --benchmark_min_time=0.5 ${BENCH_ARGS:-}

echo; echo "== WebAssembly (node)"
if command -v node >/dev/null 2>&1; then
  node bench/wasm_bench.mjs --module build/wasm/vramplan.js --source .
else
  echo "wasm benchmark skipped: node not found"
fi

echo; echo "== sizes"
bench/sizes.sh build

echo; echo "== accuracy against the peers"
python3 bench/peers/compare.py "$cli_bin" --dir tests/validation --models data/models.json
