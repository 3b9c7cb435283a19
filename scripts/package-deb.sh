#!/bin/sh
# Builds the release Debian packages motcua-agent and motcua-hub (README.md "Debian packages").
# Configures a build tree of its own (build-deb/, or MOTCUA_DEB_BUILD_DIR): Release, with the named
# fault points compiled out (MOTCUA_FAULT_POINTS=OFF) and without the test suite; builds only the
# two executables; checks that no fault point is left in them; runs cpack; prints the packages.
# Extra arguments go to cmake's configure step, e.g. -DMOTCUA_DEB_REVISION=2.
# Needs the packages of packaging/debian-build-deps.txt (scripts/install-deps.sh), dpkg-dev among them.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${MOTCUA_DEB_BUILD_DIR:-$here/build-deb}
jobs=${MOTCUA_JOBS:-2}

for tool in cmake cpack dpkg-shlibdeps dpkg-deb; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "package-deb: $tool is missing: run scripts/install-deps.sh" >&2
    exit 1
  fi
done

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMOTCUA_FAULT_POINTS=OFF \
  -DMOTCUA_BUILD_TESTS=OFF -DMOTCUA_BUILD_HUB=ON "$@"
# A tree configured earlier with other values keeps them in its cache unless told again; check.
if ! grep -q '^MOTCUA_FAULT_POINTS:BOOL=OFF$' "$build/CMakeCache.txt"; then
  echo "package-deb: $build does not have MOTCUA_FAULT_POINTS=OFF; remove it and run again" >&2
  exit 1
fi
cmake --build "$build" -j"$jobs" --target motcua-agent motcua-hub

# What ships must not stop at a fault point (common/fault.hpp): its message must not be in it.
for exe in "$build/agent/motcua-agent" "$build/hub/motcua-hub"; do
  if grep -q 'motcua: fault point' "$exe"; then
    echo "package-deb: $exe still holds fault points; it must be built with -DMOTCUA_FAULT_POINTS=OFF" >&2
    exit 1
  fi
done

rm -f "$build"/motcua-agent_*.deb "$build"/motcua-hub_*.deb
(cd "$build" && cpack -G DEB --config CPackConfig.cmake)

found=0
for deb in "$build"/motcua-agent_*.deb "$build"/motcua-hub_*.deb; do
  [ -f "$deb" ] || continue
  found=$((found + 1))
  printf '%s  %s bytes  (Version %s; Depends: %s)\n' "$deb" "$(stat -c %s "$deb")" \
    "$(dpkg-deb -f "$deb" Version)" "$(dpkg-deb -f "$deb" Depends)"
done
if [ "$found" != 2 ]; then
  echo "package-deb: expected 2 packages in $build, found $found" >&2
  exit 1
fi
