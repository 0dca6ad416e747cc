#!/usr/bin/env bash
# Every test: native build with warnings as errors, unit and CLI tests, validation against measured
# runs, the framework configs parsed by a real YAML parser, then the WebAssembly module and the page
# (node and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== native build and tests (preset dev: warnings as errors) =="
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j "$(nproc)"
cli=build/dev/cli/vramplan

echo "== validation against measured runs =="
"$cli" validate tests/validation

echo "== example configs through a real YAML parser =="
bash scripts/test-config.sh "$cli"

echo "== WebAssembly module and page =="
VRAMPLAN_CLI="$cli" bash scripts/test-web.sh
echo "all tests passed"
