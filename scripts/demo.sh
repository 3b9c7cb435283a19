#!/bin/sh
# README command 1: installs what is missing, builds, and runs the demo (scripts/run-demo.sh): a
# Hưng Yên hub on loopback publishes the catalogue and calendar to two offices, which keep working
# while the hub is down, sync when it is back, and receive an amended catalogue.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh" >/dev/null
exec "$here/scripts/run-demo.sh" "$here/build"
