#!/bin/bash
# The Windows agent, cross-built and tested under Wine: builds (or reuses) the static dependencies
# (scripts/windows-deps.sh), configures build-win64/ with the mingw-w64 toolchain, builds it and runs
# the tests labelled `windows` (the libraries' unit tests under Wine, and the check that the agent
# executable imports only Windows system DLLs). Prints how long each phase took.
#
#   scripts/test-windows.sh [extra cmake options]
# Environment: MOTCUA_WIN64_CACHE (the dependency cache, default /var/cache/motcua-win64),
#              MOTCUA_WIN64_JOBS (parallel jobs, default 2).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jobs=${MOTCUA_WIN64_JOBS:-2}
export MOTCUA_WIN64_CACHE=${MOTCUA_WIN64_CACHE:-/var/cache/motcua-win64}
build=$here/build-win64

phases=""
phase() {  # phase NAME COMMAND...: runs COMMAND and records how long it took
  local name=$1 start seconds
  shift
  start=$(date +%s)
  echo "test-windows: $name"
  "$@"
  seconds=$(( $(date +%s) - start ))
  phases="$phases
  $name: ${seconds}s"
  echo "test-windows: $name took ${seconds}s"
}

phase "dependencies (scripts/windows-deps.sh)" "$here/scripts/windows-deps.sh"
phase "configure build-win64/" cmake -S "$here" -B "$build" \
  -DCMAKE_TOOLCHAIN_FILE="$here/cmake/mingw-w64-x86_64.cmake" \
  -DMOTCUA_WIN64_PREFIX="$MOTCUA_WIN64_CACHE/prefix" -DMOTCUA_WERROR=ON \
  -DMOTCUA_LINUX_HUB="${MOTCUA_LINUX_HUB:-$here/build/hub/motcua-hub}" "$@"
phase "build (-j$jobs)" cmake --build "$build" -j"$jobs"
phase "tests under Wine (ctest -L windows)" ctest --test-dir "$build" -L windows --output-on-failure -j"$jobs"
# Stop this build tree's wineserver, so nothing outlives the run.
WINEPREFIX=$build/wine-prefix wineserver -k 2>/dev/null || true
echo "test-windows: times:$phases"
