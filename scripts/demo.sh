#!/bin/sh
# README command 1: installs what is missing, builds, and runs the demo: two Hưng Yên offices
# (Phường Phố Hiến 11953, Xã Như Quỳnh 12004) set up from the province's files, receiving dossiers
# on their own while the hub is down, with codes and appointments computed from the 2026 calendar;
# then the Hưng Yên hub starts on loopback, both offices enroll and sync, and the hub holds every
# dossier exactly once. The clock is pinned (MOTCUA_NOW) so the Tết break shows in the appointments.
# MOTCUA_DEMO_PORT chooses the hub's loopback port (default 18440).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh" >/dev/null
agent="$here/build/agent/motcua-agent"
hub="$here/build/hub/motcua-hub"
port="${MOTCUA_DEMO_PORT:-18440}"
demo=$(mktemp -d "${TMPDIR:-/tmp}/motcua-demo.XXXXXX")
catalog="$here/data/tthc-commune-sample.csv"
calendar="$here/data/holidays-vn.csv"

step() { printf '\n== %s\n' "$*"; }

step "Set up two offices from the province's catalogue and calendar"
"$agent" init --data "$demo/pho-hien" --unit 11953 --catalog "$catalog" --calendar "$calendar"
"$agent" init --data "$demo/nhu-quynh" --unit 12004 --catalog "$catalog" --calendar "$calendar"

step "Phố Hiến, Friday 13/02/2026 10:00 (the last working day before Tết): three dossiers"
export MOTCUA_NOW=2026-02-13T10:00:00+07:00 MOTCUA_ACTOR=canbo.phohien
"$agent" receive --data "$demo/pho-hien" --procedure 2.001019 --applicant "Nguyễn Thị Hoa" \
  --citizen-id 033198001234 --phone 0912345678 --address "Phường Phố Hiến, Hưng Yên" \
  --document "Di chúc:chinh:1" --document "CCCD:photo:1"
"$agent" receive --data "$demo/pho-hien" --procedure 1.004837 --applicant "Trần Văn Bình" \
  --citizen-id 001098000042 --document "Tờ khai đăng ký giám hộ:chinh:1"
"$agent" receive --data "$demo/pho-hien" --procedure 2.000815 --applicant "Lê Thị Mai" \
  --citizen-id 033201004567 --document "Bằng tốt nghiệp:chinh:1"

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

step "Queues"
"$agent" list --data "$demo/pho-hien"
"$agent" list --data "$demo/nhu-quynh"

step "One dossier in full"
"$agent" show --data "$demo/nhu-quynh" "$code"

step "Office status (pending changes wait in the outbox for the hub)"
"$agent" status --data "$demo/pho-hien"
"$agent" status --data "$demo/nhu-quynh" --json

step "The provincial hub starts (Hưng Yên, 33) on 127.0.0.1:$port; both offices enroll and sync"
"$hub" init --data "$demo/hub" --province 33
"$hub" serve --data "$demo/hub" --listen "127.0.0.1:$port" > "$demo/hub.log" 2>&1 &
hub_pid=$!
trap 'kill "$hub_pid" 2>/dev/null || true' EXIT
ready=""
for _ in $(seq 1 100); do
  if grep -q "serving" "$demo/hub.log" 2>/dev/null; then ready=yes; break; fi
  if ! kill -0 "$hub_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "the hub did not start:"; cat "$demo/hub.log"; exit 1
fi
for office in pho-hien:11953 nhu-quynh:12004; do
  dir=${office%%:*}; unit=${office##*:}
  code=$("$hub" enroll-code --data "$demo/hub" --unit "$unit" --json | sed -n 's/.*"code": "\([^"]*\)".*/\1/p')
  echo "enrollment code for $unit: $code"
  "$agent" enroll --data "$demo/$dir" --hub "http://127.0.0.1:$port" --code "$code"
  "$agent" sync --data "$demo/$dir"
done

step "The hub's view: every office, its agent and its dossiers"
"$hub" status --data "$demo/hub"

step "A second sync sends nothing: every change arrived exactly once"
"$agent" sync --data "$demo/pho-hien" --json

kill "$hub_pid"
wait "$hub_pid" 2>/dev/null || true
printf '\nDemo data kept in %s\n' "$demo"
