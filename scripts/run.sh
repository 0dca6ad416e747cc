#!/usr/bin/env bash
# The main job: builds the CLI and the page, prints an estimate for the default scenario, and serves
# the page on http://127.0.0.1:8000 (set VRAMPLAN_NO_SERVE=1 to skip serving).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
cli=build/release/cli/vramplan

echo
echo "== vramplan estimate examples/default.json =="
cat examples/default.json
echo
"$cli" estimate examples/default.json
echo
echo "== vramplan recommend examples/default.json =="
"$cli" recommend examples/default.json

bash scripts/build-web.sh
page="$(pwd)/build/site/index.html"
echo
echo "The page: file://$page (works offline, one file)"
if [ "${VRAMPLAN_NO_SERVE:-0}" != "1" ]; then
  echo "Serving it at http://127.0.0.1:8000/ (Ctrl-C stops)"
  exec python3 -m http.server 8000 --bind 127.0.0.1 --directory build/site
fi
