#!/usr/bin/env bash
# Every test: native build with warnings as errors, unit and CLI tests, validation against measured
# runs, then the WebAssembly module and the page (node and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== native build and tests (preset dev) =="
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j "$(nproc)"

if [ -x build/dev/cli/vramplan ] && [ -d tests/validation ] && ls tests/validation/*.json >/dev/null 2>&1; then
  echo "== validation against measured runs =="
  build/dev/cli/vramplan validate tests/validation
fi

if [ -f scripts/test-web.sh ]; then
  echo "== WebAssembly module and page =="
  bash scripts/test-web.sh
fi
echo "all tests passed"
