#!/bin/sh
# README command 2: installs what is missing, builds, and runs every test (CTest; the browser tests
# too: configuration fails rather than leave them out), then every fuzz target for 30 s
# (scripts/fuzz.sh: its own small clang build in build-fuzz/).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/install-e2e.sh"
"$here/scripts/build.sh" -DMOTCUA_REQUIRE_E2E=ON
cd "$here/build"
ctest --output-on-failure -j2 --timeout 300
"$here/scripts/fuzz.sh" 30
