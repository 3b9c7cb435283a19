#!/bin/sh
# The demo, on binaries already built: scripts/run-demo.sh [BUILD_DIR] (default build/). README
# command 1 (scripts/demo.sh) installs and builds first; CTest runs this script as a test.
#
# A Hưng Yên hub (province 33) publishes the sample procedure catalogue, the 2026-27 calendar and a
# compression dictionary for batches (trained on generated dossiers); two offices (Phường Phố Hiến 11953, Xã Như Quỳnh 12004) enroll and receive both through the feed.
# The hub stops; the offices keep recording dossiers. The hub comes back, the offices sync, the
# province publishes an amended catalogue (one procedure renamed, one time limit changed) and the
# offices sync again: a new dossier uses the new time limit while an old one keeps its due date.
# Then Phố Hiến hands a dossier over to Như Quỳnh (liên thông), which resolves it and hands the
# result back; Phố Hiến returns it, and the hub records no conflict. Last, Phố Hiến's agent runs as
# the service does and serves the clerk's web screens (MOTCUA_DEMO_UI=1 keeps them open at
# http://127.0.0.1:8480/ until Ctrl-C; MOTCUA_DEMO_UI_PORT picks another port).
#
# Clocks are pinned (MOTCUA_NOW) so the Tết break shows in the appointments. The hub listens on a
# free loopback port; readiness is polled; the script checks what it claims, stops the hub and
# deletes its data (MOTCUA_DEMO_KEEP=1 keeps it). Exit 0 only when every check held.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
agent="$build/agent/motcua-agent"
hub="$build/hub/motcua-hub"
trainer="$build/tools/motcua-train-dictionary"
for exe in "$agent" "$hub" "$trainer"; do
  [ -x "$exe" ] || { echo "run-demo: $exe is missing; build first (scripts/build.sh)" >&2; exit 2; }
done
demo=$(mktemp -d "${TMPDIR:-/tmp}/motcua-demo.XXXXXX")
catalog="$here/data/tthc-commune-sample.csv"
calendar="$here/data/holidays-vn.csv"
hub_pid=""
run_pid=""

cleanup() {
  if [ -n "$run_pid" ]; then kill "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true; fi
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  if [ "${MOTCUA_DEMO_KEEP:-}" = 1 ]; then echo "Demo data kept in $demo"; else rm -rf "$demo"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n== %s\n' "$*"; }
check() {  # check DESCRIPTION COMMAND...: stops the demo when a claim does not hold
  what=$1; shift
  if "$@"; then echo "   ok: $what"; else echo "run-demo: FAILED: $what" >&2; exit 1; fi
}
# The value of a top-level member of pretty-printed JSON (two-space indent), quotes stripped.
field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1; }

# Starts the hub on $port (chosen once at random below Linux's ephemeral range, retried if taken) and
# waits until it serves (bounded: 10 s).
start_hub() {
  attempts=0
  while :; do
    attempts=$((attempts + 1))
    if [ -z "${port:-}" ] || [ "${port_fixed:-}" != yes ]; then
      port=$(( ($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000) + 20000 ))
    fi
    : > "$demo/hub.log"
    "$hub" serve --data "$demo/hub" --listen "127.0.0.1:$port" >> "$demo/hub.log" 2>&1 &
    hub_pid=$!
    i=0
    while [ $i -lt 100 ]; do
      if grep -q "serving" "$demo/hub.log"; then port_fixed=yes; echo "hub serving on 127.0.0.1:$port"; return 0; fi
      if ! kill -0 "$hub_pid" 2>/dev/null; then break; fi
      sleep 0.1; i=$((i + 1))
    done
    kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; hub_pid=""
    if [ $attempts -ge 10 ]; then echo "run-demo: the hub did not start:" >&2; cat "$demo/hub.log" >&2; exit 1; fi
    [ "${port_fixed:-}" = yes ] && sleep 0.5  # the same port again (the offices know it): wait for it
  done
}
stop_hub() { kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; hub_pid=""; }

export MOTCUA_NOW=2026-02-12T08:00:00+07:00
step "Thursday 12/02/2026: the Hưng Yên hub publishes the province's catalogue and calendar"
"$hub" init --data "$demo/hub" --province 33
"$hub" catalog publish --data "$demo/hub" "$catalog"
"$hub" calendar publish --data "$demo/hub" "$calendar"
echo "training the batch compression dictionary on generated dossiers of the sample catalogue"
"$trainer" --catalog "$catalog" --calendar "$calendar" --out "$demo/batches.zdict" --dossiers 400
"$hub" dictionary publish --data "$demo/hub" "$demo/batches.zdict"
start_hub

step "Two offices enroll; each receives the catalogue and the calendar through the feed"
for office in pho-hien:11953 nhu-quynh:12004; do
  dir=${office%%:*}; unit=${office##*:}
  code=$("$hub" enroll-code --data "$demo/hub" --unit "$unit" --json | field code)
  echo "enrollment code for $unit: $code"
  "$agent" enroll --data "$demo/$dir" --hub "http://127.0.0.1:$port" --code "$code"
done
"$agent" status --data "$demo/pho-hien"
check "Như Quỳnh holds catalogue version 1" \
  test "$("$agent" status --data "$demo/nhu-quynh" --json | field catalog_version)" = 1
dictionary=$("$hub" dictionary publish --data "$demo/hub" "$demo/batches.zdict" --json | field dictionary_id)
check "both offices compress their batches with the hub's dictionary $dictionary" \
  test "$("$agent" status --data "$demo/pho-hien" --json | field compression_dictionary)" = "$dictionary" -a \
       "$("$agent" status --data "$demo/nhu-quynh" --json | field compression_dictionary)" = "$dictionary"

step "The provincial link goes down (the hub stops); the offices keep working"
stop_hub

step "Phố Hiến, Friday 13/02/2026 10:00 (the last working day before Tết): three dossiers"
export MOTCUA_NOW=2026-02-13T10:00:00+07:00 MOTCUA_ACTOR=canbo.phohien
"$agent" receive --data "$demo/pho-hien" --procedure 2.001019 --applicant "Nguyễn Thị Hoa" \
  --citizen-id 033198001234 --phone 0912345678 --address "Phường Phố Hiến, Hưng Yên" \
  --document "Di chúc:chinh:1" --document "CCCD:photo:1"
"$agent" receive --data "$demo/pho-hien" --procedure 1.004837 --applicant "Trần Văn Bình" \
  --citizen-id 001098000042 --document "Tờ khai đăng ký giám hộ:chinh:1"
"$agent" receive --data "$demo/pho-hien" --procedure 2.000815 --applicant "Lê Thị Mai" \
  --citizen-id 033201004567 --document "Bằng tốt nghiệp:chinh:1"
old=33.11953-260213-0001
old_due=$("$agent" show --data "$demo/pho-hien" "$old" --json | field due_at)
echo "the will certification $old is due $old_due (2 working days, across the Tết break)"

step "Same day 15:30: a certification after 15:00 is due at 17:00 the next working day (after Tết)"
export MOTCUA_NOW=2026-02-13T15:30:00+07:00
"$agent" receive --data "$demo/pho-hien" --procedure 2.000884 --applicant "Phạm Quốc Đạt" --citizen-id 033199007788

step "A procedure with no legal time limit needs an appointment (refused, then recorded with one)"
"$agent" receive --data "$demo/pho-hien" --procedure 1.004873 --applicant "Đỗ Thu Hà" --citizen-id 033195001122 || true
"$agent" receive --data "$demo/pho-hien" --procedure 1.004873 --applicant "Đỗ Thu Hà" --citizen-id 033195001122 \
  --due-at 2026-02-27T16:00

step "Như Quỳnh, Monday 02/03/2026: a paper dossier from Friday 27/02 is back-entered"
export MOTCUA_NOW=2026-03-02T08:00:00+07:00 MOTCUA_ACTOR=canbo.nhuquynh
"$agent" receive --data "$demo/nhu-quynh" --procedure 1.004837 --applicant "Vũ Minh Tuấn" \
  --citizen-id 033190003344 --received-at 2026-02-27T16:00:00+07:00
"$agent" receive --data "$demo/nhu-quynh" --procedure 1.004837 --applicant "Hoàng Thị Lan" --citizen-id 033192005566

step "Như Quỳnh processes: supplement requested Tuesday, received Thursday — the clock stops meanwhile"
code=33.12004-260302-0001
MOTCUA_NOW=2026-03-02T09:00:00+07:00 "$agent" set-status --data "$demo/nhu-quynh" "$code" --status 4
MOTCUA_NOW=2026-03-03T08:00:00+07:00 "$agent" set-status --data "$demo/nhu-quynh" "$code" --status 5 \
  --note "Thiếu giấy xác nhận cư trú"
MOTCUA_NOW=2026-03-05T14:00:00+07:00 "$agent" set-status --data "$demo/nhu-quynh" "$code" --status 4

step "An illegal step is refused with a clear message"
"$agent" set-status --data "$demo/nhu-quynh" 33.12004-260227-0001 --status 10 || true

step "A sync while the hub is down: nothing is lost, everything stays queued"
if "$agent" sync --data "$demo/pho-hien"; then echo "run-demo: sync should have failed" >&2; exit 1; fi
"$agent" status --data "$demo/pho-hien"

step "Queues and one dossier in full"
"$agent" list --data "$demo/nhu-quynh"
"$agent" show --data "$demo/nhu-quynh" "$code"

step "Thursday 05/03/2026 15:00: the hub is back; both offices sync"
export MOTCUA_NOW=2026-03-05T15:00:00+07:00
start_hub
"$agent" sync --data "$demo/pho-hien"
"$agent" sync --data "$demo/nhu-quynh"
check "the hub holds all 7 dossiers, each once" \
  test "$("$hub" status --data "$demo/hub" --json | field dossiers)" = 7

step "The province amends its catalogue: 1.001193 renamed, 2.001019 now 03 working days"
sed -e '/^1\.001193,/s/,Thủ tục đăng ký khai sinh,/,Đăng ký khai sinh,/' \
    -e '/^2\.001019,/s/Không quá 02 ngày làm việc/Không quá 03 ngày làm việc/' "$catalog" > "$demo/tthc-amended.csv"
"$hub" catalog publish --data "$demo/hub" "$demo/tthc-amended.csv"

step "Both offices sync again and receive version 2 (only the two changed procedures travel)"
"$agent" sync --data "$demo/pho-hien"
"$agent" sync --data "$demo/nhu-quynh" --json > "$demo/sync.json"
sed -n '/"feed"/,/}/p' "$demo/sync.json"
for office in pho-hien nhu-quynh; do
  check "$office holds catalogue version 2" \
    test "$("$agent" status --data "$demo/$office" --json | field catalog_version)" = 2
done
"$agent" procedures --data "$demo/pho-hien" --search "1.001193"
"$agent" procedures --data "$demo/pho-hien" --search "2.001019"

step "Friday 06/03/2026 09:00: a new will certification uses the new time limit; the old one keeps its due date"
export MOTCUA_NOW=2026-03-06T09:00:00+07:00 MOTCUA_ACTOR=canbo.phohien
"$agent" receive --data "$demo/pho-hien" --procedure 2.001019 --applicant "Bùi Văn Nam" --citizen-id 033187002211 \
  --document "Di chúc:chinh:1"
new=33.11953-260306-0001
"$agent" show --data "$demo/pho-hien" "$new"
"$agent" show --data "$demo/pho-hien" "$old"
check "the old dossier keeps its due date ($old_due)" \
  test "$("$agent" show --data "$demo/pho-hien" "$old" --json | field due_at)" = "$old_due"
check "the new dossier is due after 3 working days (Wednesday 11/03 09:00)" \
  test "$("$agent" show --data "$demo/pho-hien" "$new" --json | field due_at)" = "2026-03-11T09:00:00+07:00"

step "Both offices sync; with nothing new, a sync moves a few hundred bytes"
"$agent" sync --data "$demo/pho-hien"
"$agent" sync --data "$demo/nhu-quynh" --json > "$demo/sync.json"
grep -E '^  "(requests|wire_bytes_up|wire_bytes_down)"' "$demo/sync.json"

step "The hub's view: every office, its dossiers, and the feed it confirmed applying"
"$hub" status --data "$demo/hub"
check "the hub holds all 8 dossiers" test "$("$hub" status --data "$demo/hub" --json | field dossiers)" = 8

step "Phố Hiến hands the guardianship dossier over to Như Quỳnh (liên thông); both sync"
handed=33.11953-260213-0002
export MOTCUA_NOW=2026-03-06T10:00:00+07:00 MOTCUA_ACTOR=canbo.phohien
"$agent" set-status --data "$demo/pho-hien" "$handed" --status 4
"$agent" transfer --data "$demo/pho-hien" "$handed" --to 12004 --note "Người được giám hộ cư trú tại xã Như Quỳnh"
"$agent" sync --data "$demo/pho-hien"
"$agent" sync --data "$demo/nhu-quynh"

step "Như Quỳnh resolves it (4 → 9) and hands the result back; Phố Hiến returns it (9 → 10)"
export MOTCUA_NOW=2026-03-06T14:00:00+07:00 MOTCUA_ACTOR=canbo.nhuquynh
"$agent" set-status --data "$demo/nhu-quynh" "$handed" --status 9
"$agent" transfer --data "$demo/nhu-quynh" "$handed" --to 11953
"$agent" sync --data "$demo/nhu-quynh"
export MOTCUA_NOW=2026-03-06T15:00:00+07:00 MOTCUA_ACTOR=canbo.phohien
"$agent" sync --data "$demo/pho-hien"
"$agent" set-status --data "$demo/pho-hien" "$handed" --status 10
"$agent" sync --data "$demo/pho-hien"
"$agent" sync --data "$demo/nhu-quynh"
"$agent" show --data "$demo/pho-hien" "$handed"
for office in pho-hien nhu-quynh; do
  check "$office shows $handed returned to the citizen (status 10)" \
    test "$("$agent" show --data "$demo/$office" "$handed" --json | field status)" = 10
done
check "the hub lists no conflict" test "$("$hub" conflicts list --data "$demo/hub" --json | field total)" = 0

step "The province's statistics for 12/02–06/03/2026 (báo cáo 06 rules, Bộ chỉ số 766)"
"$hub" report --data "$demo/hub" --from 2026-02-12 --to 2026-03-06 --by unit
"$hub" report --data "$demo/hub" --from 2026-02-12 --to 2026-03-06 --by unit --csv --out "$demo/thong-ke.csv"
check "the report's total counts all 8 dossiers as received" \
  test "$("$hub" report --data "$demo/hub" --from 2026-02-12 --to 2026-03-06 --json | grep '"received_total"' | tail -n 1 | tr -dc 0-9)" = 8
check "the CSV for Excel starts with the UTF-8 byte order mark" \
  test "$(head -c 3 "$demo/thong-ke.csv" | od -An -tx1 | tr -d ' ')" = efbbbf

step "Provincial IT: an account for the dashboard (served by the hub at /), and every office's state"
printf '%s\n' 'mat-khau-demo' | "$hub" users add cntt --name "Trần Văn Bình" --data "$demo/hub"
"$hub" config set --data "$demo/hub" alert_red_after 4wh
# The running hub's clock started at 05/03 15:00 (when it came back), while this story pinned the
# offices' clocks to Friday 06/03: status is read at the hub's time, and it flags the offices'
# clocks as a day ahead (clock_off), as it would for a PC with a wrong date.
MOTCUA_NOW=2026-03-05T15:05:00+07:00 "$hub" status --data "$demo/hub"
check "no office is red right after syncing" \
  test "$(MOTCUA_NOW=2026-03-05T15:05:00+07:00 "$hub" status --data "$demo/hub" --json | sed -n 's/^    "red": \([0-9]*\),\{0,1\}$/\1/p' | head -n 1)" = 0

step "The clerk's screens: Phố Hiến's agent serves them while it keeps the office in step (run)"
unset MOTCUA_NOW
printf '%s\n' 'mat-khau-demo' | "$agent" users add lan --name "Nguyễn Thị Lan" --role lead --password-stdin --data "$demo/pho-hien"
ui_port=${MOTCUA_DEMO_UI_PORT:-0}
if [ "${MOTCUA_DEMO_UI:-}" = 1 ] && [ -z "${MOTCUA_DEMO_UI_PORT:-}" ]; then ui_port=8480; fi
"$agent" run --data "$demo/pho-hien" --ui "127.0.0.1:$ui_port" > "$demo/run.log" 2>&1 &
run_pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q "clerk web UI on" "$demo/run.log" && kill -0 "$run_pid" 2>/dev/null; do
  sleep 0.1; i=$((i + 1))
done
url=$(sed -n 's/^motcua-agent: clerk web UI on //p' "$demo/run.log" | head -n 1)
cat "$demo/run.log"
check "Phố Hiến's agent serves the clerk web UI (${url:-not started})" test -n "$url"
if [ "${MOTCUA_DEMO_UI:-}" = 1 ]; then
  printf '\nOpen %s in a browser and sign in as lan / mat-khau-demo (the clerk).\n' "$url"
  printf 'The provincial dashboard is at http://127.0.0.1:%s/ (cntt / mat-khau-demo). Ctrl-C ends the demo.\n' "$port"
  wait "$run_pid" || true
fi
kill -TERM "$run_pid"
wait "$run_pid" || true
run_pid=""
check "the agent stopped cleanly" grep -q "motcua-agent: stopped" "$demo/run.log"

stop_hub
printf '\nDemo finished: every check held.\n'
