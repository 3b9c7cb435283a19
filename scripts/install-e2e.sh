#!/bin/sh
# Installs what the browser tests (tests/e2e, CTest label e2e) need when it is missing: Debian's
# chromium, node and npm (Debian's nodejs and npm packages), and playwright-core in
# tests/e2e/node_modules (npm ci from tests/e2e/package-lock.json; it drives the system Chromium and
# downloads no browser). Runs as root or with sudo for apt-get; does nothing when everything is there.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
e2e="$here/tests/e2e"

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v node > /dev/null 2>&1 || missing="$missing nodejs"
command -v npm > /dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  as_root=""
  if [ "$(id -u)" != 0 ]; then as_root="sudo"; fi
  echo "install-e2e: installing$missing"
  $as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q --no-install-recommends $missing
fi

# playwright-core needs Node 20 or later (Debian 12's own nodejs is 18).
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "install-e2e: node $(node --version) is too old for playwright-core (Node 20 or later);" \
       "install Node 20 (e.g. the nodejs package from NodeSource) and run this script again" >&2
  exit 1
fi

# The version the lock file pins, and the one installed (empty when none).
version_of() { node -e 'try { const j = require(process.argv[1]); console.log(j.packages ? j.packages["node_modules/playwright-core"].version : j.version) } catch (e) {}' "$1"; }
if [ -f "$e2e/package-lock.json" ]; then
  wanted=$(version_of "$e2e/package-lock.json")
  installed=$(version_of "$e2e/node_modules/playwright-core/package.json")
  if [ -n "$wanted" ] && [ "$wanted" = "$installed" ]; then
    [ -n "$missing" ] || echo "install-e2e: chromium, node and playwright-core $installed are installed"
    exit 0
  fi
  echo "install-e2e: installing playwright-core $wanted into tests/e2e/node_modules"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$e2e" --no-audit --no-fund --loglevel=error
else
  echo "install-e2e: no tests/e2e/package-lock.json; installing from package.json"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$e2e" --no-audit --no-fund --loglevel=error
fi
