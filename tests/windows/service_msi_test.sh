#!/bin/bash
# The office agent as installers deploy it, under Wine: the MSI installs and starts the service,
# which enrolls itself with the installer's hub address and one-time code (a real Linux
# `motcua-hub serve` on loopback) and serves the clerk web UI on the installer's UI_LISTEN address;
# a clerk records a dossier through the CLI and it reaches the hub; the service stops and starts
# again and the dossier is still there; an upgrade to a newer MSI, made while the hub is down and
# naming no property, keeps the database, the unsent change (which reaches the hub once it is back)
# and the installer's settings; the uninstall removes the service and the program and keeps the
# data. Then REMOVE_DATA=1: refused (everything kept) while a change is unsent, and once the hub has
# it, the uninstall deletes the office's data.
#
#   service_msi_test.sh AGENT_EXE HUB_EXE SOURCE_DIR WORK_DIR
# AGENT_EXE: the cross-built motcua-agent.exe; HUB_EXE: the Linux motcua-hub; WORK_DIR: emptied
# and used for the Wine prefix, the hub and the MSIs. Exits 0 when every check held; otherwise
# prints what failed (and the service's log) and exits 1. Every wait is bounded.
set -uo pipefail
agent_exe=$1 hub=$2 src=$3 work=$4
if [ ! -x "$hub" ]; then
  echo "SKIP: no Linux motcua-hub to enroll with: configure the Windows build with -DMOTCUA_LINUX_HUB=path/to/build/hub/motcua-hub (scripts/test-windows.sh does)"
  exit 77
fi

fail() {
  echo "FAIL: $*" >&2
  log="$WINEPREFIX/drive_c/ProgramData/motcua/logs/agent.log"
  [ -f "$log" ] && { echo "--- the service's log ($log):" >&2; tail -n 40 "$log" >&2; }
  [ -f "$work/hub.log" ] && { echo "--- the hub's log:" >&2; tail -n 20 "$work/hub.log" >&2; }
  exit 1
}
step() { echo "== $*"; }

rm -rf "$work" && mkdir -p "$work" || exit 1
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEARCH=win64 LC_ALL=C.UTF-8
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
unset DISPLAY WAYLAND_DISPLAY
hub_pid=""
cleanup() {
  [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null && wait "$hub_pid" 2>/dev/null
  wineserver -k >/dev/null 2>&1 </dev/null || true
}
trap cleanup EXIT

# Polls COMMAND every second, at most SECONDS times; true once it succeeds.
eventually() {
  local seconds=$1
  shift
  for _ in $(seq "$seconds"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

# Wine's own services must not keep this script's output open (ctest waits for every writer).
step "a fresh Wine prefix"
wineboot --init >/dev/null 2>&1 </dev/null || fail "wineboot --init failed"
wineserver -w </dev/null >/dev/null 2>&1

step "two MSIs of the same program: version 0.1.0 and an upgrade 0.1.1"
mkdir -p "$work/stage"
x86_64-w64-mingw32-strip -o "$work/stage/motcua-agent.exe" "$agent_exe" || fail "strip failed"
for v in 0.1.0 0.1.1; do
  # wixl resolves File/@Source against its working directory.
  (cd "$work/stage" && wixl -a x64 -D Version=$v -D AgentExe=motcua-agent.exe -o "$work/motcua-agent-$v.msi" \
    "$src/packaging/windows/motcua-agent.wxs" 2>"$work/wixl-$v.log") || { cat "$work/wixl-$v.log" >&2; fail "wixl failed"; }
done

step "a real hub on loopback, with the catalogue and calendar, and a one-time code for Phố Hiến (11953)"
"$hub" init --data "$work/hub" --province 33 --json >/dev/null || fail "hub init failed"
"$hub" catalog publish --data "$work/hub" "$src/data/tthc-commune-sample.csv" --json >/dev/null || fail "catalogue"
"$hub" calendar publish --data "$work/hub" "$src/data/holidays-vn.csv" --json >/dev/null || fail "calendar"
code=$("$hub" enroll-code --data "$work/hub" --unit 11953 --json | sed -n 's/.*"code": *"\([^"]*\)".*/\1/p' | head -1)
[ -n "$code" ] || fail "no enrollment code"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))
ui_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
          echo $((40000 + RANDOM % 20000)))
hub_listens() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
start_hub() {
  "$hub" serve --data "$work/hub" --listen "127.0.0.1:$port" >>"$work/hub.log" 2>&1 </dev/null &
  hub_pid=$!
  eventually 20 hub_listens || fail "the hub did not listen on 127.0.0.1:$port"
}
stop_hub() { kill "$hub_pid" && wait "$hub_pid" 2>/dev/null; hub_pid=""; }
start_hub

agent="C:\\Program Files\\motcua\\motcua-agent.exe"
data='C:\ProgramData\motcua'
unix_data="$WINEPREFIX/drive_c/ProgramData/motcua"
wine_agent() { wine "$agent" "$@" </dev/null 2>>"$work/agent-cli.log"; }
service_state() { wine sc query motcua-agent </dev/null 2>/dev/null | tr -d '\r' | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p'; }
is_running() { [ "$(service_state)" = "RUNNING" ]; }
is_stopped() { [ "$(service_state)" = "STOPPED" ]; }
hub_holds() { "$hub" dossier show --data "$work/hub" "$1" --json >/dev/null 2>&1; }
enrolled() { "$hub" agents list --data "$work/hub" --unit 11953 --json 2>/dev/null | grep -q '"active"'; }

step "silent install: msiexec /i /qn HUB_URL=... ENROLL_CODE=... UI_LISTEN=127.0.0.1:$ui_port"
wine msiexec /i "$work/motcua-agent-0.1.0.msi" /qn HUB_URL="http://127.0.0.1:$port" ENROLL_CODE="$code" \
  UI_LISTEN="127.0.0.1:$ui_port" /l*v "$work/install-0.1.0.log" </dev/null >/dev/null 2>&1
[ -f "$WINEPREFIX/drive_c/Program Files/motcua/motcua-agent.exe" ] || fail "the program is not installed (see $work/install-0.1.0.log)"
eventually 60 is_running || fail "the service is not running after the install (state: $(service_state))"
eventually 60 enrolled || fail "the service did not enroll with the installer's hub and code"
[ -f "$unix_data/logs/agent.log" ] || fail "no log in %ProgramData%\\motcua\\logs"
grep -q "enrolled with the installer's hub and code" "$unix_data/logs/agent.log" || fail "the log does not say it enrolled"
ui_announced() { grep -c "clerk web UI on http://127.0.0.1:$ui_port/" "$unix_data/logs/agent.log" 2>/dev/null; }
ui_answers() {  # GET /login answers 200
  ( exec 3<>"/dev/tcp/127.0.0.1/$ui_port" && printf 'GET /login HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 &&
    timeout 5 head -n 1 <&3 | grep -q ' 200' ) 2>/dev/null
}
eventually 30 ui_answers || fail "the clerk web UI does not answer on UI_LISTEN 127.0.0.1:$ui_port"
[ "$(ui_announced)" -ge 1 ] || fail "the log does not name the UI_LISTEN address"

step "a clerk records a dossier through the CLI; the running service sends it"
d1=$(wine_agent receive --data "$data" --procedure 2.001019 --applicant "Nguyễn Thị Hoa" --citizen-id 033198001234 --json |
     sed -n 's/.*"code": *"\([^"]*\)".*/\1/p' | head -1)
[ -n "$d1" ] || fail "receive through the CLI failed: $(tail -3 "$work/agent-cli.log")"
eventually 60 hub_holds "$d1" || fail "the service did not send dossier $d1 to the hub"

step "stop and start the service: the dossier is still there"
wine sc stop motcua-agent </dev/null >/dev/null 2>&1
eventually 60 is_stopped || fail "the service did not stop (state: $(service_state))"
grep -q "motcua-agent: stopped" "$unix_data/logs/agent.log" || fail "the service did not stop cleanly"
wine sc start motcua-agent </dev/null >/dev/null 2>&1
eventually 60 is_running || fail "the service did not start again (state: $(service_state))"
wine_agent show "$d1" --data "$data" --json | grep -q '"status"' || fail "dossier $d1 is gone after a restart"

step "while the hub is down, a second dossier waits in the outbox; then an upgrade to 0.1.1"
stop_hub
d2=$(wine_agent receive --data "$data" --procedure 2.001019 --applicant "Trần Văn Bình" --citizen-id 001098000042 --json |
     sed -n 's/.*"code": *"\([^"]*\)".*/\1/p' | head -1)
[ -n "$d2" ] || fail "the second receipt failed"
pending_before=$(wine_agent status --data "$data" --json | sed -n 's/.*"pending_changes": *\([0-9]*\).*/\1/p' | head -1)
[ "${pending_before:-0}" -ge 1 ] || fail "the second dossier is not pending (pending_changes=$pending_before)"
wine msiexec /i "$work/motcua-agent-0.1.1.msi" /qn /l*v "$work/install-0.1.1.log" </dev/null >/dev/null 2>&1
eventually 60 is_running || fail "the service is not running after the upgrade (state: $(service_state))"
wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s </dev/null 2>/dev/null | tr -d '\r' |
  grep -q "DisplayVersion.*0\.1\.1" || fail "the upgrade did not register version 0.1.1"
wine_agent show "$d1" --data "$data" --json | grep -q '"status"' || fail "the upgrade lost dossier $d1"
wine reg query 'HKLM\SOFTWARE\motcua\agent' /v ui_listen </dev/null 2>/dev/null | tr -d '\r' |
  grep -q "127.0.0.1:$ui_port" || fail "the upgrade, naming no UI_LISTEN, dropped the installer's ui_listen"
eventually 30 ui_answers || fail "after the upgrade the clerk web UI does not answer on 127.0.0.1:$ui_port"
pending_after=$(wine_agent status --data "$data" --json | sed -n 's/.*"pending_changes": *\([0-9]*\).*/\1/p' | head -1)
[ "${pending_after:-0}" -ge 1 ] || fail "the upgrade lost the unsent change (pending_changes=$pending_after)"
start_hub
eventually 90 hub_holds "$d2" || fail "the upgraded service did not send the change kept in its outbox"

step "uninstall: the service and the program go, the data stays"
wine msiexec /x "$work/motcua-agent-0.1.1.msi" /qn /l*v "$work/uninstall.log" </dev/null >/dev/null 2>&1
[ -z "$(service_state)" ] || fail "the service is still installed (state: $(service_state))"
[ ! -f "$WINEPREFIX/drive_c/Program Files/motcua/motcua-agent.exe" ] || fail "the program is still there"
[ -f "$unix_data/agent.db" ] || fail "the uninstall deleted the office's database"

step "installed again over the kept data; a change made while the service is stopped is still unsent"
install_again() {
  wine msiexec /i "$work/motcua-agent-0.1.1.msi" /qn UI_LISTEN="127.0.0.1:$ui_port" /l*v "$work/install-$1.log" \
    </dev/null >/dev/null 2>&1
  eventually 60 is_running || fail "the service is not running after installing again (state: $(service_state))"
}
install_again again-1
wine sc stop motcua-agent </dev/null >/dev/null 2>&1
eventually 60 is_stopped || fail "the service did not stop (state: $(service_state))"
d3=$(wine_agent receive --data "$data" --procedure 2.001019 --applicant "Lê Thị Mai" --citizen-id 033190005566 --json |
     sed -n 's/.*"code": *"\([^"]*\)".*/\1/p' | head -1)
[ -n "$d3" ] || fail "the third receipt failed"
hub_holds "$d3" && fail "dossier $d3 reached the hub while the service was stopped"

step "uninstall with REMOVE_DATA=1 while that change is unsent: the data is kept, and the log says why"
wine msiexec /x "$work/motcua-agent-0.1.1.msi" /qn REMOVE_DATA=1 /l*v "$work/uninstall-refused.log" </dev/null >/dev/null 2>&1
[ -z "$(service_state)" ] || fail "the service is still installed (state: $(service_state))"
[ -f "$unix_data/agent.db" ] || fail "REMOVE_DATA=1 deleted an office whose change had not reached the hub"
grep -q "asked to remove the office's data, refused: 1 change(s)" "$unix_data/logs/agent.log" ||
  fail "the office's log does not say why its data was kept"

step "installed again: the kept change reaches the hub; then REMOVE_DATA=1 deletes the office's data"
install_again again-2
eventually 90 hub_holds "$d3" || fail "the reinstalled service did not send the change the refusal kept"
no_pending() { [ "$(wine_agent status --data "$data" --json | sed -n 's/.*"pending_changes": *\([0-9]*\).*/\1/p' | head -1)" = 0 ]; }
eventually 60 no_pending || fail "changes are still pending after the hub holds $d3"
wine msiexec /x "$work/motcua-agent-0.1.1.msi" /qn REMOVE_DATA=1 /l*v "$work/uninstall-remove.log" </dev/null >/dev/null 2>&1
[ -z "$(service_state)" ] || fail "the service is still installed (state: $(service_state))"
[ ! -e "$unix_data" ] || fail "REMOVE_DATA=1 left $unix_data: $(ls -R "$unix_data" | head -5)"
hub_holds "$d1" && hub_holds "$d2" && hub_holds "$d3" || fail "the hub lacks a dossier the removed office had sent"
echo "PASS: install with UI_LISTEN, enrollment, a dossier, stop/start, upgrade keeping an unsent change and the installer's settings, uninstall keeping the data, REMOVE_DATA refused while a change is unsent and done once the hub has it"
