#!/bin/sh
# Prints, for every test that failed in the last CTest run in BUILD_DIR, the last LINES lines of its
# output, so that the reason of a failure is at the end of a long log (CI keeps only its head and
# tail). Usage: scripts/failed-tests.sh BUILD_DIR [LINES]
set -eu
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR [LINES] (BUILD_DIR: where ctest ran)" >&2
  exit 2
fi
log="$1/Testing/Temporary/LastTest.log"
lines=${2:-40}
if [ ! -f "$log" ]; then
  echo "$0: no CTest log at $log: has ctest run in $1?" >&2
  exit 2
fi
awk -v keep="$lines" '
  /^[0-9]+\/[0-9]+ Test: / { name = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", name); n = 0; inside = 0; next }
  /^Output:$/ { getline; inside = 1; next }
  /^<end of output>$/ { inside = 0; next }
  inside { buf[n % keep] = $0; n++; next }
  /^Test Failed\.$/ || /^Test Timeout\.$/ || /^Test Exception/ {
    print ""
    print "=== failed: " name " (" $0 ") — the last " (n < keep ? n : keep) " lines of its output:"
    for (i = (n > keep ? n - keep : 0); i < n; i++) print buf[i % keep]
  }
' "$log"
