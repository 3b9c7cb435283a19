#!/bin/bash
# `motcua-agent run` under Wine stops cleanly on Ctrl-C (Wine delivers SIGINT to a console program
# as CTRL_C_EVENT, which agent/cli/cmd_run.cpp receives through common/platform_win32.cpp): it
# prints that it stopped and exits 0.
#   run_stops_on_ctrl_c.sh WINE_RUN AGENT_EXE SOURCE_DIR WORK_DIR
set -euo pipefail
wine_run=$1 agent=$2 source=$3 work=$4
office="$work/Xã Đông Hưng"
rm -rf "$work"
mkdir -p "$work"
"$wine_run" "$agent" init --data "$office" --unit 11953 --catalog "$source/data/tthc-commune-sample.csv" \
  --calendar "$source/data/holidays-vn.csv" >/dev/null
"$wine_run" "$agent" run --data "$office" --ui off >"$work/run.log" 2>&1 &
runner=$!
# Wait (at most 30 s) until the agent says it runs, then interrupt the Windows process itself.
for _ in $(seq 1 60); do
  grep -q "running for" "$work/run.log" && break
  sleep 0.5
done
grep -q "running for" "$work/run.log" || { echo "the agent never started:"; cat "$work/run.log"; kill "$runner"; exit 1; }
pid=$(pgrep -f "motcua-agent.exe run --data $office" | head -n 1)
[ -n "$pid" ] || { echo "no motcua-agent.exe process found"; exit 1; }
kill -INT "$pid"
status=0
for _ in $(seq 1 60); do  # at most 30 s for the clean stop
  kill -0 "$runner" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$runner" 2>/dev/null; then
  echo "the agent did not stop within 30 s of Ctrl-C:"; cat "$work/run.log"; kill "$pid" || true; exit 1
fi
wait "$runner" || status=$?
cat "$work/run.log"
[ "$status" -eq 0 ] || { echo "exit status $status, expected 0"; exit 1; }
grep -q "signal 2, stopping" "$work/run.log" || { echo "no stop message"; exit 1; }
grep -q "motcua-agent: stopped" "$work/run.log" || { echo "did not stop cleanly"; exit 1; }
