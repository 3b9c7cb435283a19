#!/bin/sh
# README command 2: installs what is missing, builds, and runs every test (CTest; the browser tests
# too: configuration fails rather than leave them out), then every fuzz target for 30 s
# (scripts/fuzz.sh: its own small clang build in build-fuzz/). With MOTCUA_TEST_WINDOWS=1 it then
# runs the Windows part as well (scripts/test-windows.sh: about 20 more minutes from nothing).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/install-e2e.sh"
"$here/scripts/build.sh" -DMOTCUA_REQUIRE_E2E=ON
cd "$here/build"
status=0
ctest --output-on-failure -j2 --timeout 300 || status=$?
if [ "$status" -ne 0 ]; then
  # The reasons again, at the end of the log where they are easy to find.
  "$here/scripts/failed-tests.sh" "$here/build" 40
  exit "$status"
fi
"$here/scripts/fuzz.sh" 30
if [ "${MOTCUA_TEST_WINDOWS:-0}" = 1 ]; then
  "$here/scripts/test-windows.sh"
fi
