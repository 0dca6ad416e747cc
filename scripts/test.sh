#!/usr/bin/env bash
# Every test: native build with warnings as errors, unit and CLI tests, validation against measured
# runs, the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer, 60 s of fuzzing,
# the framework configs parsed by a real YAML parser, then the WebAssembly module and the page
# (node and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc)

echo "== native build and tests (preset ci: the dev preset's warnings as errors, without debug info) =="
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs" -E "wasm_node|web_browser"
cli=build/ci/cli/vramplan

echo "== validation against measured runs =="
"$cli" validate tests/validation --only memory
# The throughput records (issue 16) gate on the counted median <= 20% (met on branch tput2: 16.5%; the
# held-out median, 28.2%, is reported beside it; docs/validation/throughput.md explains each outlier).
"$cli" validate tests/validation --only throughput

echo "== the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (preset asan) =="
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

echo "== fuzzing: 60 s over the scenario, config.json, catalog-id, sweep and import entry points =="
FUZZ_PREBUILT=build/asan bash scripts/fuzz.sh 60

echo "== example configs through a real YAML parser =="
bash scripts/test-config.sh "$cli"

echo "== WebAssembly module and page =="
VRAMPLAN_CLI="$cli" bash scripts/test-web.sh
echo "all tests passed"
