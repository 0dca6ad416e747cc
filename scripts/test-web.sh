#!/usr/bin/env bash
# Builds the WebAssembly module and the page (build/wasm, build/site), then runs
#   - the node tests: the module against the native CLI (tests/wasm/test_wasm.mjs)
#   - the browser tests: the page from file:// in headless Chromium (tests/browser/run.mjs),
#     screenshots in build/browser-artifacts
# Each suite ends with a line "N passed, M failed"; the exit status is non-zero if any test failed
# or could not run.
#
# The tests compare with the native CLI: set VRAMPLAN_CLI to an already built `vramplan` to reuse
# it; otherwise one is built in build/web-cli. CHROMIUM overrides /usr/bin/chromium.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
die() { echo "error: $*" >&2; exit 1; }

step "build the module and the page"
bash scripts/build-web.sh || die "the web build failed"

cli="${VRAMPLAN_CLI:-}"
if [ -z "$cli" ]; then
  step "build the native CLI to compare with (build/web-cli)"
  cmake -S . -B build/web-cli -G Ninja -DCMAKE_BUILD_TYPE=Release -DVRAMPLAN_BUILD_TESTS=OFF >/dev/null || die "configure of build/web-cli failed"
  cmake --build build/web-cli --target vramplan || die "the native CLI build failed"
  cli=build/web-cli/cli/vramplan
fi
[ -x "$cli" ] || die "no native CLI at $cli"

step "install playwright-core (no browser download)"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error || die "npm ci --prefix tests/browser failed"

status=0
step "node tests: the module against the CLI"
node tests/wasm/test_wasm.mjs --module build/wasm/vramplan.js --cli "$cli" --source .
rc=$?
if [ $rc -ne 0 ]; then status=1; [ $rc -eq 77 ] && echo "wasm node tests: 0 passed, 1 failed (could not run)"; fi

step "garbage tests: the fuzz corpus and random input through the module and the page's link decoder"
VRAMPLAN_WASM_MODULE=build/wasm/vramplan.js node --test tests/wasm/garbage.test.mjs
rc=$?
[ $rc -ne 0 ] && status=1

step "browser tests: build/site/index.html in headless Chromium"
node tests/browser/run.mjs --site build/site/index.html --cli "$cli" --artifacts build/browser-artifacts \
  ${CHROMIUM:+--chromium "$CHROMIUM"}
rc=$?
if [ $rc -ne 0 ]; then status=1; [ $rc -eq 77 ] && echo "browser tests: 0 passed, 1 failed (could not run)"; fi

size=$(wc -c < build/site/index.html)
gz=$(gzip -9 -c build/site/index.html | wc -c)
echo
echo "build/site/index.html: $((size / 1024)) KiB, $((gz / 1024)) KiB gzip"
exit $status
