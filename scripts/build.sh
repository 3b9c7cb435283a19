#!/bin/sh
# Configures and builds motcua into build/ (warnings are errors). Extra arguments go to cmake's
# configure step, e.g. scripts/build.sh -DMOTCUA_SANITIZE=ON.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOTCUA_WERROR=ON "$@"
cmake --build "$here/build" -j2
