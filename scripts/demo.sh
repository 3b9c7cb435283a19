#!/bin/sh
# README command 1: installs what is missing, builds, and runs the demo: two Hưng Yên offices
# (Phường Phố Hiến 11953, Xã Như Quỳnh 12004) set up from the province's files, receiving dossiers
# on their own (no network), with codes and appointments computed from the 2026 calendar.
# The clock is pinned (MOTCUA_NOW) so the Tết break shows in the appointments.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh" >/dev/null
agent="$here/build/agent/motcua-agent"
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

printf '\nDemo data kept in %s\n' "$demo"
