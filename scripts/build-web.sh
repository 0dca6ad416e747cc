#!/usr/bin/env bash
# Builds the WebAssembly module (build/wasm/vramplan.js) and the single-file page
# (build/site/index.html) with `cmake --workflow --preset web`: Debian's emscripten package, or
# emsdk's when $EMSDK points at an activated emsdk (preset web-emsdk).
set -euo pipefail
cd "$(dirname "$0")/.."

# docs/toolchain.md pitfall 1: Debian's emscripten finds acorn only through NODE_PATH.
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"

preset=web
if [ -n "${EMSDK:-}" ] && [ -f "$EMSDK/upstream/emscripten/cmake/Modules/Platform/Emscripten.cmake" ]; then
  preset=web-emsdk
elif [ ! -f /usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake ]; then
  echo "error: emscripten not found: apt-get install emscripten (Debian 12), or activate emsdk and set EMSDK" >&2
  exit 2
fi
cmake --workflow --preset "$preset"
test -s build/site/index.html
