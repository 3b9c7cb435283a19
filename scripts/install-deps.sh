#!/bin/sh
# Installs the Debian 12 packages listed in packaging/debian-build-deps.txt that are missing.
# Runs as root (or with sudo available); does nothing when everything is installed.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
packages=$(grep -v '^#' "$here/packaging/debian-build-deps.txt" | grep -v '^[[:space:]]*$')
missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  echo "install-deps: all build dependencies are installed"
  exit 0
fi
as_root=""
if [ "$(id -u)" != 0 ]; then as_root="sudo"; fi
echo "install-deps: installing$missing"
$as_root apt-get update -q
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q --no-install-recommends $missing
