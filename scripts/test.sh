#!/bin/sh
# README command 2: installs what is missing, builds, and runs every test (CTest), then every fuzz
# target for 30 s (scripts/fuzz.sh: its own small clang build in build-fuzz/).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "$here/build"
ctest --output-on-failure -j2 --timeout 300
"$here/scripts/fuzz.sh" 30
