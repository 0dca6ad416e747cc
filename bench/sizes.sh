#!/usr/bin/env bash
# Sizes of what the web build ships: the WebAssembly binary, the JS glue and the single-file page,
# raw and gzip -9. Prints a table and appends one dated line to bench/sizes.csv (tracked over time).
#
#   bench/sizes.sh [BUILD_DIR]      (default build: build/wasm/vramplan.js and build/site/index.html)
#
# The module is linked with -sSINGLE_FILE=1 (wasm/CMakeLists.txt): the .wasm travels inside
# vramplan.js as base64. Then "wasm" is that binary decoded, and "js glue" is vramplan.js without the
# base64 payload. A separate vramplan.wasm, when a build has one, is measured as is.
# Nothing is appended when the module is not built. Needs gzip and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
js="$build/wasm/vramplan.js"
wasm="$build/wasm/vramplan.wasm"
page="$build/site/index.html"
csv=bench/sizes.csv

if [ ! -f "$js" ]; then
  echo "sizes skipped: $js is not built (run scripts/build-web.sh)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gz() { gzip -9 -c "$1" | wc -c | tr -d ' '; }
raw() { wc -c < "$1" | tr -d ' '; }

if [ -f "$wasm" ]; then
  cp "$wasm" "$tmp/module.wasm"
  cp "$js" "$tmp/glue.js"
  layout=separate
else
  # Split the SINGLE_FILE module: decode the data:application/octet-stream;base64,... payload.
  python3 - "$js" "$tmp/module.wasm" "$tmp/glue.js" <<'PY'
import base64, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'data:application/octet-stream;base64,([A-Za-z0-9+/=]+)', text)
if not m:
    sys.exit("no inlined base64 wasm found in " + sys.argv[1])
open(sys.argv[2], "wb").write(base64.b64decode(m.group(1)))
open(sys.argv[3], "w", encoding="utf-8").write(text[:m.start(1)] + text[m.end(1):])
PY
  layout=single_file
fi

wasm_raw=$(raw "$tmp/module.wasm"); wasm_gz=$(gz "$tmp/module.wasm")
glue_raw=$(raw "$tmp/glue.js"); glue_gz=$(gz "$tmp/glue.js")
js_raw=$(raw "$js"); js_gz=$(gz "$js")
if [ -f "$page" ]; then page_raw=$(raw "$page"); page_gz=$(gz "$page"); else page_raw=; page_gz=; fi

kib() { [ -n "$1" ] && awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }' || echo "-"; }
printf '%-44s %12s %12s\n' "artifact ($layout)" raw gzip-9
printf '%-44s %12s %12s\n' "wasm binary" "$(kib "$wasm_raw")" "$(kib "$wasm_gz")"
printf '%-44s %12s %12s\n' "JS glue (without the inlined wasm)" "$(kib "$glue_raw")" "$(kib "$glue_gz")"
printf '%-44s %12s %12s\n' "$js (as shipped)" "$(kib "$js_raw")" "$(kib "$js_gz")"
printf '%-44s %12s %12s\n' "$page (single-file page)" "$(kib "$page_raw")" "$(kib "$page_gz")"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit+dirty"; fi
if [ ! -s "$csv" ]; then
  echo "date,commit,layout,wasm_bytes,wasm_gzip,glue_bytes,glue_gzip,module_js_bytes,module_js_gzip,page_bytes,page_gzip" > "$csv"
fi
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ),$commit,$layout,$wasm_raw,$wasm_gz,$glue_raw,$glue_gz,$js_raw,$js_gz,$page_raw,$page_gz" >> "$csv"
echo "appended to $csv"
