#!/usr/bin/env bash
# Checks `vramplan config` output against the frameworks' example configs (tests/config/):
# installs the pinned npm `yaml` package, then runs the node test against the given executable.
# Usage: scripts/test-config.sh PATH/TO/vramplan
set -euo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/vramplan (an executable)" >&2
  exit 2
fi
vramplan=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
npm ci --prefix tests/config --no-audit --no-fund --loglevel=error
VRAMPLAN="$vramplan" node --test --test-reporter=spec tests/config/config.test.mjs
