#!/bin/sh
# The Debian packages motcua-agent and motcua-hub, end to end on this machine with the real apt,
# dpkg and systemd-analyze: built with cpack from BUILD_DIR, installed, upgraded with an edited
# conffile, purged. See tests/packaging/CMakeLists.txt for why the test build's binaries are used.
#
# Usage: deb_packages_test.sh SOURCE_DIR BUILD_DIR CMAKE CPACK
# Needs root; exits 77 (CTest: skipped) otherwise. Refuses to run on a machine that already has
# motcua installed (it would purge it). Whatever happens, it purges what it installed and removes
# the data directories it made before exiting.
set -eu

src=$1
build=$2
cmake_exe=$3
cpack_exe=$4

t0=$(date +%s)
say() { echo "packaging test [$(($(date +%s) - t0)) s]: $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: the packaging test installs and purges Debian packages with apt-get and needs root (CI runs it as root)" >&2
  exit 77
fi
for tool in apt-get dpkg dpkg-deb dpkg-query dpkg-shlibdeps systemd-analyze getent setpriv stat cmp; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing: run scripts/install-deps.sh (packaging/debian-build-deps.txt)"
done

# --- Preconditions: never touch an existing installation --------------------------------------------
pkg_status() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || echo not-installed; }
for p in motcua-agent motcua-hub; do
  s=$(pkg_status "$p")
  [ "$s" = not-installed ] || fail "$p is on this machine ($s): this test would purge it; purge it first or run the test elsewhere"
done
getent passwd motcua >/dev/null && fail "a user motcua exists: this test creates and removes it; run it on a machine without motcua"
getent group motcua >/dev/null && fail "a group motcua exists: this test creates and removes it; run it on a machine without motcua"
for d in /var/lib/motcua /etc/motcua; do
  [ ! -e "$d" ] || fail "$d exists: this test creates and removes it; run it on a machine without motcua"
done
[ ! -e /etc/nginx/sites-enabled/motcua-hub ] || fail "/etc/nginx/sites-enabled/motcua-hub exists: run the test on a machine without motcua"

work=$(mktemp -d /tmp/motcua-deb-test.XXXXXX)
chmod 0755 "$work"  # apt's _apt user reads the packages; the motcua user reads the sample data
server_pid=""

cleanup() {
  rc=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  purge=""
  for p in motcua-agent motcua-hub; do
    [ "$(pkg_status "$p")" = not-installed ] || purge="$purge $p"
  done
  if [ -n "$purge" ]; then
    say "cleanup: purging$purge"
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=120 $purge >"$work/cleanup.log" 2>&1 ||
      { echo "cleanup: apt-get purge$purge failed:" >&2; cat "$work/cleanup.log" >&2; rc=1; }
  fi
  # None of these existed when the test started (checked above).
  rm -rf /var/lib/motcua /etc/motcua
  getent passwd motcua >/dev/null && userdel motcua
  getent group motcua >/dev/null && groupdel motcua
  [ -L /etc/nginx/sites-enabled/motcua-hub ] && rm -f /etc/nginx/sites-enabled/motcua-hub
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

apt_get() {
  # $1: log name; the rest: apt-get arguments. Prompts are answered as dpkg --force-confold would.
  log=$work/$1.log
  shift
  DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=120 \
    -o Dpkg::Options::=--force-confold "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "apt-get $* failed (above)"; }
}

# --- Build the packages ------------------------------------------------------------------------------
say "building motcua-agent and motcua-hub in $build (nothing to do after a build)"
"$cmake_exe" --build "$build" --target motcua-agent motcua-hub >"$work/build.log" 2>&1 ||
  { tail -n 30 "$work/build.log" >&2; fail "building motcua-agent and motcua-hub in $build failed"; }

if grep -q '^MOTCUA_FAULT_POINTS:BOOL=ON$' "$build/CMakeCache.txt"; then
  # What ships must not hold fault points: cpack refuses this tree unless told it is a test.
  if (cd "$work" && "$cpack_exe" -G DEB --config "$build/CPackConfig.cmake" -B "$work/refused") >"$work/refused.log" 2>&1; then
    fail "cpack packaged a build tree with fault points compiled in (MOTCUA_FAULT_POINTS=ON) without MOTCUA_PACKAGE_TEST=1"
  fi
  grep -q 'scripts/package-deb.sh' "$work/refused.log" || { cat "$work/refused.log" >&2; fail "cpack's refusal does not say how to build release packages"; }
  say "ok: cpack refuses to package a build with fault points"
fi

package() {
  # $1: output directory; $2: version override (empty: the project's)
  (cd "$work" && MOTCUA_PACKAGE_TEST=1 MOTCUA_PACKAGE_VERSION=$2 \
    "$cpack_exe" -G DEB --config "$build/CPackConfig.cmake" -B "$1") >"$1.log" 2>&1 ||
    { cat "$1.log" >&2; fail "cpack failed (above)"; }
}
package "$work/v1" ""
agent_deb=$(ls "$work"/v1/motcua-agent_*.deb)
hub_deb=$(ls "$work"/v1/motcua-hub_*.deb)
[ -f "$agent_deb" ] && [ -f "$hub_deb" ] || fail "cpack did not make motcua-agent_*.deb and motcua-hub_*.deb in $work/v1"
upstream=$(dpkg-deb -f "$agent_deb" Version | sed 's/-[^-]*$//')
bumped="${upstream}+pkgtest1"
package "$work/v2" "$bumped"
agent_deb2=$(ls "$work"/v2/motcua-agent_*.deb)
hub_deb2=$(ls "$work"/v2/motcua-hub_*.deb)
say "ok: packages built: $(stat -c '%n %s bytes' "$agent_deb" "$hub_deb" | tr '\n' ' ')"

# --- The packages' metadata ---------------------------------------------------------------------------
for deb in "$agent_deb" "$hub_deb"; do
  depends=$(dpkg-deb -f "$deb" Depends)
  for needed in adduser libc6 libsqlite3-0 libssl3 libzstd1; do
    echo "$depends" | grep -q "$needed" || fail "$(basename "$deb"): Depends lacks $needed: $depends"
  done
  dpkg-deb -e "$deb" "$work/control"
  for script in postinst prerm postrm; do
    [ -x "$work/control/$script" ] || fail "$(basename "$deb") has no executable $script"
    sh -n "$work/control/$script" || fail "$(basename "$deb"): $script is not valid sh"
  done
  [ -f "$work/control/conffiles" ] || fail "$(basename "$deb") has no conffiles list"
  rm -rf "$work/control"
done
dpkg-deb -f "$hub_deb" Depends | grep -q libcpprest || fail "motcua-hub's Depends lacks libcpprest: $(dpkg-deb -f "$hub_deb" Depends)"
say "ok: Depends computed from the binaries, maintainer scripts and conffiles in both packages"

# --- Install -----------------------------------------------------------------------------------------
apt_get install-v1 install "$agent_deb" "$hub_deb"
for p in motcua-agent motcua-hub; do
  [ "$(dpkg-query -W -f='${Status}' "$p")" = "install ok installed" ] || fail "$p is not installed: $(dpkg-query -W -f='${Status}' "$p")"
done
/usr/bin/motcua-agent --version | grep -q "^motcua-agent " || fail "motcua-agent --version does not run: $(/usr/bin/motcua-agent --version 2>&1)"
/usr/bin/motcua-hub --version | grep -q "^motcua-hub " || fail "motcua-hub --version does not run: $(/usr/bin/motcua-hub --version 2>&1)"

entry=$(getent passwd motcua) || fail "postinst did not create the user motcua"
uid=$(echo "$entry" | cut -d: -f3)
[ "$uid" -lt 1000 ] || fail "motcua is not a system user: $entry"
[ "$(echo "$entry" | cut -d: -f6)" = /var/lib/motcua ] || fail "motcua's home is not /var/lib/motcua: $entry"
[ "$(echo "$entry" | cut -d: -f7)" = /usr/sbin/nologin ] || fail "motcua can log in: $entry"
getent group motcua >/dev/null || fail "postinst did not create the group motcua"
[ "$(stat -c '%U:%G %a' /var/lib/motcua)" = "root:motcua 750" ] || fail "/var/lib/motcua is $(stat -c '%U:%G %a' /var/lib/motcua), not root:motcua 750"
for side in agent hub; do
  [ "$(stat -c '%U:%G %a' /var/lib/motcua/$side)" = "motcua:motcua 700" ] ||
    fail "/var/lib/motcua/$side is $(stat -c '%U:%G %a' /var/lib/motcua/$side), not motcua:motcua 700"
done
say "ok: installed with apt; binaries run; system user motcua; data directories motcua:motcua 0700"

dpkg-query -W -f='${Conffiles}\n' motcua-agent | grep -q '^ /etc/motcua/agent.conf ' || fail "/etc/motcua/agent.conf is not a conffile of motcua-agent"
for f in /etc/motcua/hub.conf /etc/nginx/sites-available/motcua-hub; do
  dpkg-query -W -f='${Conffiles}\n' motcua-hub | grep -q "^ $f " || fail "$f is not a conffile of motcua-hub"
done
cmp -s /lib/systemd/system/motcua-agent.service "$src/packaging/systemd/motcua-agent.service" || fail "/lib/systemd/system/motcua-agent.service is not packaging/systemd/motcua-agent.service"
cmp -s /lib/systemd/system/motcua-hub.service "$src/packaging/systemd/motcua-hub.service" || fail "/lib/systemd/system/motcua-hub.service is not packaging/systemd/motcua-hub.service"
cmp -s /etc/nginx/sites-available/motcua-hub "$src/packaging/nginx/motcua-hub.conf" || fail "/etc/nginx/sites-available/motcua-hub is not packaging/nginx/motcua-hub.conf"
[ ! -e /etc/nginx/sites-enabled/motcua-hub ] || fail "the package enabled the nginx site; enabling it is the administrator's step"
say "ok: conffiles listed; units and nginx site installed; the site is not enabled"

# systemd is not PID 1 here: postinst must have enabled the units (symlinks only) and started nothing.
for unit in motcua-agent.service motcua-hub.service; do
  link=/etc/systemd/system/multi-user.target.wants/$unit
  [ "$(readlink "$link")" = "/lib/systemd/system/$unit" ] || fail "postinst did not enable $unit ($link: $(readlink "$link" || echo missing))"
done
if [ ! -d /run/systemd/system ]; then
  if pgrep -u motcua >/dev/null 2>&1; then fail "systemd is not running, yet a process of motcua runs: $(pgrep -a -u motcua)"; fi
  say "ok: without a running systemd, postinst enabled both units and started nothing"
fi

# The units as installed (their ExecStart binaries exist now): any output is a finding.
verify_out=$(systemd-analyze verify /lib/systemd/system/motcua-agent.service /lib/systemd/system/motcua-hub.service 2>&1) ||
  fail "systemd-analyze verify failed: $verify_out"
[ -z "$verify_out" ] || fail "systemd-analyze verify reports: $verify_out"
for unit in motcua-agent.service motcua-hub.service; do
  exposure=$(systemd-analyze security --offline=true "/lib/systemd/system/$unit" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  [ -n "$exposure" ] || fail "systemd-analyze security gave no exposure level for $unit"
  # 10 is "UNSAFE"; below 2 is "OK". The sandbox must keep the units there.
  awk -v e="$exposure" 'BEGIN { exit !(e < 2.0) }' || fail "$unit exposure level $exposure is not below 2.0 (systemd-analyze security --offline=true)"
  say "ok: $unit verified; systemd-analyze security exposure $exposure"
done

# --- The services' command lines, as the motcua user, with the packaged configuration --------------
cp "$src/data/tthc-commune-sample.csv" "$src/data/holidays-vn.csv" "$work/"
chmod 0644 "$work/tthc-commune-sample.csv" "$work/holidays-vn.csv"
# As systemd runs the services: user and group motcua, umask 0077.
as_motcua() { (umask 077 && exec setpriv --reuid=motcua --regid=motcua --init-groups -- "$@"); }
(as_motcua /usr/bin/motcua-agent init --data /var/lib/motcua/agent --unit 11953 \
  --catalog "$work/tthc-commune-sample.csv" --calendar "$work/holidays-vn.csv") >"$work/agent-init.log" 2>&1 ||
  { cat "$work/agent-init.log" >&2; fail "motcua-agent init as motcua on /var/lib/motcua/agent failed"; }
# The office's own setting (not the installer file, which other tests' agents may read): the web
# UI on any free port.
as_motcua /usr/bin/motcua-agent config set ui_listen 127.0.0.1:0 --data /var/lib/motcua/agent >"$work/agent-config.log" 2>&1 ||
  { cat "$work/agent-config.log" >&2; fail "motcua-agent config set ui_listen as motcua failed"; }
(as_motcua /usr/bin/motcua-hub init --data /var/lib/motcua/hub --province 33) >"$work/hub-init.log" 2>&1 ||
  { cat "$work/hub-init.log" >&2; fail "motcua-hub init as motcua on /var/lib/motcua/hub failed"; }

# An administrator's edits. The agent's is the built-in value, so that agents other tests on this
# machine start without MOTCUA_AGENT_CONF meanwhile behave the same; `config get` shows whether the
# agent reads the file. The hub listens on another port.
printf '\n# edited by the packaging test\nretention_days = 30\n' >>/etc/motcua/agent.conf
hub_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000))
sed -i "s/^MOTCUA_HUB_LISTEN=.*/MOTCUA_HUB_LISTEN=127.0.0.1:$hub_port/" /etc/motcua/hub.conf
printf '# edited by the packaging test\n' >>/etc/motcua/hub.conf

check_edits() {
  # $1: when
  grep -qx 'retention_days = 30' /etc/motcua/agent.conf || fail "$1: the edit of /etc/motcua/agent.conf was lost"
  grep -qx "MOTCUA_HUB_LISTEN=127.0.0.1:$hub_port" /etc/motcua/hub.conf || fail "$1: the edit of /etc/motcua/hub.conf was lost"
  source=$(as_motcua /usr/bin/motcua-agent config get retention_days --data /var/lib/motcua/agent --json 2>&1) ||
    fail "$1: motcua-agent config get failed: $source"
  echo "$source" | grep -q '"installer"' || fail "$1: the agent does not take retention_days from /etc/motcua/agent.conf: $source"
  [ -z "$(ls /etc/motcua/*.dpkg-* 2>/dev/null)" ] || fail "$1: dpkg left $(ls /etc/motcua/*.dpkg-*) (a conffile prompt was answered)"
}
check_edits "after editing"

unit_exec() { sed -n 's/^ExecStart=//p' "/lib/systemd/system/$1"; }
# Whether process $1 runs (a child that exited stays a zombie until waited for: not running).
running() {
  state=$(sed 's/^.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ]
}

run_service() {
  # $1: unit; $2: text the service prints once it serves; $3: where it prints it (out or err).
  # Runs the unit's ExecStart as systemd would (user motcua, umask 0077, the EnvironmentFile), waits
  # until it serves, stops it with SIGTERM and expects a clean exit.
  listen=$(. /etc/motcua/hub.conf && echo "$MOTCUA_HUB_LISTEN")
  exec_start=$(unit_exec "$1")
  # One process from here on: the subshell execs setpriv, which execs sh, which execs the service.
  (umask 077 && export MOTCUA_HUB_LISTEN="$listen" && exec setpriv --reuid=motcua --regid=motcua --init-groups -- \
    sh -c "exec $exec_start") >"$work/$1.out" 2>"$work/$1.err" &
  server_pid=$!
  i=0
  until grep -q "$2" "$work/$1.$3" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 150 ] || ! running "$server_pid"; then
      cat "$work/$1.out" "$work/$1.err" >&2
      fail "$1's ExecStart did not serve within 15 s (output above)"
    fi
    sleep 0.1
  done
  kill -TERM "$server_pid"
  i=0
  while running "$server_pid"; do
    i=$((i + 1))
    [ "$i" -le 300 ] || fail "$1's ExecStart did not stop within 30 s of SIGTERM"
    sleep 0.1
  done
  rc=0
  wait "$server_pid" || rc=$?
  server_pid=""
  [ "$rc" = 0 ] || { cat "$work/$1.out" "$work/$1.err" >&2; fail "$1's ExecStart exited $rc on SIGTERM, not 0"; }
}
run_service motcua-agent.service "clerk web UI on http://127.0.0.1:" err
run_service motcua-hub.service "on http://127.0.0.1:$hub_port" out
say "ok: both ExecStart lines serve as motcua with the edited configuration and exit 0 on SIGTERM"

# --- Upgrade and reinstall keep the edited conffiles ----------------------------------------------------
apt_get upgrade install "$agent_deb2" "$hub_deb2"
for p in motcua-agent motcua-hub; do
  v=$(dpkg-query -W -f='${Version}' "$p")
  case "$v" in "$bumped"-*) ;; *) fail "$p is at $v after the upgrade, not $bumped" ;; esac
done
check_edits "after the upgrade to $bumped"
apt_get reinstall install --reinstall "$agent_deb2" "$hub_deb2"
check_edits "after reinstalling $bumped"
[ "$(stat -c '%U %a' /var/lib/motcua/agent/agent.db)" = "motcua 600" ] || fail "agent.db is $(stat -c '%U %a' /var/lib/motcua/agent/agent.db) after the upgrade, not motcua 600"
say "ok: the upgrade to $bumped and a reinstall keep both edited conffiles, without prompting"

# --- Purge ----------------------------------------------------------------------------------------------
# The hub's data directory is emptied (as if the hub had never been created): purge removes it. The
# office's database must be kept.
find /var/lib/motcua/hub -mindepth 1 -delete
dpkg -L motcua-agent motcua-hub | sort -u >"$work/owned.txt"
apt_get purge purge motcua-agent motcua-hub
for p in motcua-agent motcua-hub; do
  [ "$(pkg_status "$p")" = not-installed ] || fail "$p is $(pkg_status "$p") after apt-get purge"
done
! getent passwd motcua >/dev/null || fail "purge left the user motcua"
! getent group motcua >/dev/null || fail "purge left the group motcua"
left=""
while IFS= read -r path; do
  case "$path" in /usr | /usr/bin | /usr/share | /usr/share/doc | /etc | /etc/nginx | /etc/nginx/sites-available | /lib | /lib/systemd | /lib/systemd/system | /. | /var | /var/lib) continue ;; esac
  if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done <"$work/owned.txt"
[ -z "$left" ] || fail "purge left files the packages owned:$left"
[ "$(wc -l <"$work/owned.txt")" -gt 10 ] || fail "dpkg -L listed only $(wc -l <"$work/owned.txt") paths: $(cat "$work/owned.txt")"
for f in /etc/motcua /etc/systemd/system/multi-user.target.wants/motcua-agent.service /etc/systemd/system/multi-user.target.wants/motcua-hub.service /var/lib/motcua/hub; do
  [ ! -e "$f" ] && [ ! -L "$f" ] || fail "purge left $f"
done
[ -f /var/lib/motcua/agent/agent.db ] || fail "purge deleted the office's database /var/lib/motcua/agent/agent.db"
[ "$(stat -c '%U:%G %a' /var/lib/motcua)" = "root:root 750" ] || fail "the kept /var/lib/motcua is $(stat -c '%U:%G %a' /var/lib/motcua), not root:root 750"
[ "$(stat -c '%U:%G %a' /var/lib/motcua/agent)" = "root:root 700" ] || fail "the kept /var/lib/motcua/agent is $(stat -c '%U:%G %a' /var/lib/motcua/agent), not root:root 700"
grep -q "kept /var/lib/motcua/agent" "$work/purge.log" || { cat "$work/purge.log" >&2; fail "purge did not say where it kept the office's data"; }
grep -q "rm -rf /var/lib/motcua/agent" "$work/purge.log" || fail "purge did not say how to delete the kept data"
say "ok: purge removed the packages' files, the configuration, the unit links, the user and the empty hub directory, and kept the office's database"

# --- Reinstalling takes the kept office over ----------------------------------------------------------
apt_get reinstall-after-purge install "$agent_deb2"
[ "$(stat -c '%U:%G' /var/lib/motcua/agent/agent.db)" = "motcua:motcua" ] || fail "reinstalling did not hand the kept data back to motcua: $(stat -c '%U:%G' /var/lib/motcua/agent/agent.db)"
out=$(as_motcua /usr/bin/motcua-agent status --data /var/lib/motcua/agent 2>&1) || fail "the reinstalled agent cannot read the kept office: $out"
echo "$out" | grep -q 11953 || fail "the kept office is not unit 11953: $out"
apt_get purge-again purge motcua-agent
[ -f /var/lib/motcua/agent/agent.db ] || fail "the second purge deleted the office's database"
say "ok: reinstalling after a purge takes the kept office over; purging again keeps it"
say "passed"
