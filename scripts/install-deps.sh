#!/usr/bin/env bash
# Installs what vramplan needs from Debian's archive, skipping what is already there.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(cmake ninja-build g++ nlohmann-json3-dev libyaml-cpp-dev doctest-dev emscripten node-js-yaml nodejs chromium clang-14 libclang-rt-14-dev libbenchmark-dev python3 zopfli node-terser)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# node may come from elsewhere (nvm, a tarball): only ask Debian for it when there is none.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs/}")
fi
# Likewise python3 (tests/validation/gpu/check_params.py, tests/fuzz/make_corpus.py).
if command -v python3 >/dev/null 2>&1; then
  missing=("${missing[@]/python3/}")
fi
want=()
for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
[ ${#want[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${want[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
