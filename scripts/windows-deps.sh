#!/bin/bash
# Builds the agent's dependencies for the 64-bit Windows cross build (mingw-w64, static) from
# Debian 12 source packages, into a cache outside the clone, and reuses them when present.
#
#   scripts/windows-deps.sh            # as root (or with sudo): installs what is missing first
#
# Environment:
#   MOTCUA_WIN64_CACHE  the cache directory (default /var/cache/motcua-win64); the prefix the
#                       toolchain file reads is $MOTCUA_WIN64_CACHE/prefix
#   MOTCUA_WIN64_JOBS   parallel jobs (default: the number of processors)
#
# Each dependency has a stamp file (stamps/NAME) recording the Debian source version, the build
# options and the compiler version; a dependency whose stamp differs is rebuilt alone. The sources
# are unpacked with `apt-get source` from a deb-src list of its own
# (/etc/apt/sources.list.d/motcua-deb-src.sources), so the machine's other apt sources are untouched.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${MOTCUA_WIN64_CACHE:-/var/cache/motcua-win64}
prefix=$cache/prefix
stamps=$cache/stamps
work=$cache/src
jobs=${MOTCUA_WIN64_JOBS:-$(nproc)}
triplet=x86_64-w64-mingw32
cc=$triplet-gcc-posix
toolchain=$here/cmake/mingw-w64-x86_64.cmake

as_root=""
if [ "$(id -u)" != 0 ]; then as_root="sudo"; fi

say() { echo "windows-deps: $*"; }
die() { echo "windows-deps: error: $*" >&2; exit 1; }

# --- 1. Host packages: the toolchain, Wine, the tools the source builds need -----------------------
host_packages="g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
  libz-mingw-w64-dev wine wine64 wixl dpkg-dev cmake make perl tcl pkg-config gcc xz-utils ca-certificates"
missing=""
for p in $host_packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

# --- 2. The deb-src list (a separate file: apt-get source needs it; nothing else reads it) --------
src_list=/etc/apt/sources.list.d/motcua-deb-src.sources
need_update=""
if [ ! -f "$src_list" ]; then
  say "writing $src_list (deb-src for bookworm, bookworm-updates, bookworm-security)"
  $as_root tee "$src_list" >/dev/null <<'EOF'
# Debian 12 source packages for the motcua Windows cross build (scripts/windows-deps.sh).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  need_update=1
fi
if [ -n "$missing" ] || [ -n "$need_update" ] || ! apt-cache showsrc sqlite3 2>/dev/null | grep -q '^Version:'; then
  $as_root apt-get update -q
fi
if [ -n "$missing" ]; then
  say "installing$missing"
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q --no-install-recommends $missing
fi
command -v "$cc" >/dev/null || die "$cc not found after installing g++-mingw-w64-x86-64-posix"

mkdir -p "$prefix/include" "$prefix/lib/pkgconfig" "$stamps" "$work"
export MOTCUA_WIN64_PREFIX=$prefix
compiler_version=$($cc -dumpversion)

# The versions of source package PKG in the deb-src list, newest first (apt-get source takes the
# newest; the older ones are the fallback when a mirror lacks the newest's files).
source_versions() {
  local versions sorted="" v
  versions=$(apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -u)
  [ -n "$versions" ] || die "no source package $1 in the deb-src list; run 'apt-get update' and check $src_list"
  for v in $versions; do  # insertion sort with dpkg's ordering; a handful of versions at most
    local out="" placed=""
    for s in $sorted; do
      if [ -z "$placed" ] && dpkg --compare-versions "$v" gt "$s"; then out="$out $v"; placed=1; fi
      out="$out $s"
    done
    [ -n "$placed" ] || out="$out $v"
    sorted=$out
  done
  echo $sorted
}

# Fetches and unpacks the newest of VERSIONS of PKG that the mirror serves into $work/PKG (replacing
# an older copy); prints "VERSION TREE".
fetch_source() {
  local pkg=$1 dir=$work/$1 version
  shift
  for version in "$@"; do
    rm -rf "$dir"
    mkdir -p "$dir"
    if (cd "$dir" && apt-get source -q --only-source "$pkg=$version" >"$dir.fetch.log" 2>&1); then
      echo "$version $(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
      return 0
    fi
    echo "windows-deps: $pkg $version could not be fetched (log: $dir.fetch.log)" >&2
  done
  echo "windows-deps: apt-get source $pkg failed for every version ($*): see $dir.fetch.log" >&2
  return 1
}

# Copies the headers and CMake package files of the installed Debian package DEBPKG (a header-only
# library; the same files the Linux build uses, and the same version) into the prefix. Their CMake
# files locate everything relative to themselves, so they work from the prefix.
copy_dev_package() {
  local debpkg=$1 f rel
  if ! dpkg-query -W -f='${Status}' "$debpkg" 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q --no-install-recommends "$debpkg" >&2
  fi
  for f in $(dpkg -L "$debpkg"); do
    [ -f "$f" ] || continue
    case $f in
      /usr/include/*) rel=include/${f#/usr/include/} ;;
      /usr/share/cmake/*) rel=share/cmake/${f#/usr/share/cmake/} ;;
      /usr/lib/cmake/*) rel=lib/cmake/${f#/usr/lib/cmake/} ;;
      *) continue ;;
    esac
    mkdir -p "$prefix/$(dirname "$rel")"
    cp "$f" "$prefix/$rel"
  done
}

built=""
# build_dep NAME SOURCE_PACKAGE OPTIONS FUNCTION [DEV_PACKAGE]: runs FUNCTION SOURCE_TREE OPTIONS
# unless the stamp matches (same newest source version, options and compiler), then writes the
# stamp. A header-only library names its -dev package, whose installed files are the fallback when
# the mirror serves none of the source package's versions.
build_dep() {
  local name=$1 pkg=$2 options=$3 fn=$4 dev=${5:-} versions newest stamp_key fetched version tree start seconds
  versions=$(source_versions "$pkg")
  newest=${versions%% *}
  stamp_key="source=$pkg $newest
options=$options
compiler=$cc $compiler_version"
  if [ -f "$stamps/$name" ] && [ "$(head -n 3 "$stamps/$name")" = "$stamp_key" ]; then
    say "$name: $pkg $(sed -n 's/^built=//p' "$stamps/$name") already built (stamp $stamps/$name)"
    return 0
  fi
  say "$name: building from $pkg $newest"
  start=$(date +%s)
  rm -f "$stamps/$name"
  # shellcheck disable=SC2086
  if ! fetched=$(fetch_source "$pkg" $versions); then
    [ -n "$dev" ] || die "cannot fetch the source of $pkg: check the network and $src_list"
    say "$name: the mirror serves no source of $pkg; using the installed $dev instead"
    copy_dev_package "$dev"
    printf '%s\nbuilt=%s %s (installed package)\n' "$stamp_key" "$dev" \
      "$(dpkg-query -W -f='${Version}' "$dev")" >"$stamps/$name"
    seconds=$(( $(date +%s) - start ))
    built="$built $name(${seconds}s)"
    return 0
  fi
  version=${fetched%% *}
  tree=${fetched#* }
  local log=$work/$name.build.log
  # In the background and waited for: `set -e` is ignored inside a subshell that `if` tests.
  ( set -e; "$fn" "$tree" "$options" ) >"$log" 2>&1 &
  if ! wait $!; then
    tail -n 30 "$log" >&2
    die "$name failed to build (full log: $log)"
  fi
  printf '%s\nbuilt=%s\n' "$stamp_key" "$version" >"$stamps/$name"
  seconds=$(( $(date +%s) - start ))
  say "$name: built $pkg $version in ${seconds}s"
  built="$built $name(${seconds}s)"
}

cmake_cross() {
  cmake -G "Unix Makefiles" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" "$@"
}

# --- 3. The dependencies ---------------------------------------------------------------------------

# SQLite: the amalgamation, generated by a native build of the source tree (tclsh), then compiled
# once for Windows with the options the project relies on: the session extension and pre-update hook
# (change sets), FTS5 (the agent's trigram search, schema/agent/0005_search.sql), thread safety,
# and, as Debian's build, secure delete and 250000 bound variables. Extension loading is left out:
# the agent never loads extensions.
sqlite_options="-DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_FTS5 \
-DSQLITE_THREADSAFE=1 -DSQLITE_SECURE_DELETE -DSQLITE_MAX_VARIABLE_NUMBER=250000 \
-DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DQS=0 -O2"
build_sqlite() {
  local tree=$1 options=$2
  mkdir -p "$tree/amalgamation"
  cd "$tree/amalgamation"
  ../configure --disable-tcl --disable-readline >/dev/null
  make -j"$jobs" sqlite3.c
  # shellcheck disable=SC2086
  $cc $options -c sqlite3.c -o sqlite3.o
  rm -f "$prefix/lib/libsqlite3.a"
  $triplet-ar rcs "$prefix/lib/libsqlite3.a" sqlite3.o
  cp sqlite3.h sqlite3ext.h "$prefix/include/"
  local version
  version=$(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' sqlite3.h)
  cat >"$prefix/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$prefix
Name: SQLite
Description: SQL database engine (static, mingw-w64)
Version: $version
Libs: -L\${prefix}/lib -lsqlite3
Cflags: -I\${prefix}/include
EOF
}
build_dep sqlite sqlite3 "$sqlite_options" build_sqlite

# zstd: the library only, static, single-threaded API use (the project calls the simple and
# streaming APIs from its own threads), no legacy formats.
build_zstd() {
  local tree=$1
  cmake_cross -S "$tree/build/cmake" -B "$tree/bld" -DZSTD_BUILD_SHARED=OFF -DZSTD_BUILD_STATIC=ON \
    -DZSTD_BUILD_PROGRAMS=OFF -DZSTD_BUILD_TESTS=OFF -DZSTD_LEGACY_SUPPORT=OFF -DZSTD_MULTITHREAD_SUPPORT=OFF
  cmake --build "$tree/bld" -j"$jobs"
  cmake --install "$tree/bld"
}
build_dep zstd libzstd "static nolegacy nomt" build_zstd

# utf8proc: one C file; UTF8PROC_STATIC (in the .pc file) stops the header from declaring dllimport.
build_utf8proc() {
  local tree=$1
  cd "$tree"
  $cc -O2 -DUTF8PROC_STATIC -c utf8proc.c -o utf8proc.o
  rm -f "$prefix/lib/libutf8proc.a"
  $triplet-ar rcs "$prefix/lib/libutf8proc.a" utf8proc.o
  cp utf8proc.h "$prefix/include/"
  local version
  version=$(sed -n 's/^#define UTF8PROC_VERSION_MAJOR \([0-9]*\)/\1/p' utf8proc.h).$(sed -n 's/^#define UTF8PROC_VERSION_MINOR \([0-9]*\)/\1/p' utf8proc.h).$(sed -n 's/^#define UTF8PROC_VERSION_PATCH \([0-9]*\)/\1/p' utf8proc.h)
  cat >"$prefix/lib/pkgconfig/libutf8proc.pc" <<EOF
prefix=$prefix
Name: libutf8proc
Description: UTF-8 processing (static, mingw-w64)
Version: $version
Libs: -L\${prefix}/lib -lutf8proc
Cflags: -I\${prefix}/include -DUTF8PROC_STATIC
EOF
}
build_dep utf8proc utf8proc "static" build_utf8proc

# OpenSSL: libcrypto only (Ed25519, SHA-256, random bytes, X.509 parsing of the pinned CA; curl uses
# Schannel, not OpenSSL), static, no engines or loadable modules.
openssl_options="mingw64 no-shared no-module no-dso no-engine no-tests no-ui-console"
build_openssl() {
  local tree=$1 options=$2
  cd "$tree"
  # shellcheck disable=SC2086
  ./Configure $options --prefix="$prefix" --libdir=lib \
    CC="$cc" AR=$triplet-ar RANLIB=$triplet-ranlib RC=$triplet-windres
  make -j"$jobs" build_generated
  make -j"$jobs" libcrypto.a libcrypto.pc
  cp libcrypto.a "$prefix/lib/"
  mkdir -p "$prefix/include/openssl"
  cp include/openssl/*.h "$prefix/include/openssl/"
  sed "s|^prefix=.*|prefix=$prefix|" libcrypto.pc >"$prefix/lib/pkgconfig/libcrypto.pc"
}
build_dep openssl openssl "$openssl_options" build_openssl

# curl: HTTP and HTTPS only, TLS through Schannel (the Windows certificate machinery; no OpenSSL in
# curl), static, the static zlib of libz-mingw-w64-dev (never zlib1.dll), and nothing else: no LDAP,
# IDN, PSL, HTTP/2, brotli, zstd, SSH or GSS-API.
curl_options="-DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON \
-DCURL_DISABLE_LDAPS=ON -DUSE_LIBIDN2=OFF -DUSE_WIN32_IDN=OFF -DCURL_USE_LIBPSL=OFF -DUSE_NGHTTP2=OFF \
-DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF \
-DENABLE_UNIX_SOCKETS=OFF -DCURL_ZLIB=ON -DBUILD_CURL_EXE=OFF -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF \
-DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none"
build_curl() {
  local tree=$1 options=$2
  # shellcheck disable=SC2086
  cmake_cross -S "$tree" -B "$tree/bld" $options \
    -DZLIB_INCLUDE_DIR=/usr/$triplet/include -DZLIB_LIBRARY=/usr/$triplet/lib/libz.a
  cmake --build "$tree/bld" -j"$jobs"
  cmake --install "$tree/bld"
}
build_dep curl curl "$curl_options" build_curl

# cpp-httplib: its single header (the source's httplib.h), with Winsock; no OpenSSL or compression
# defines, as the agent's web UI serves plain HTTP on the office network.
build_httplib() {
  local tree=$1
  cp "$tree/httplib.h" "$prefix/include/"
  local version
  version=$(sed -n 's/^#define CPPHTTPLIB_VERSION "\(.*\)"/\1/p' "$tree/httplib.h")
  cat >"$prefix/lib/pkgconfig/cpp-httplib.pc" <<EOF
prefix=$prefix
Name: cpp-httplib
Description: HTTP server and client (single header, mingw-w64)
Version: $version
Libs: -lws2_32
Cflags: -I\${prefix}/include
EOF
}
build_dep cpp-httplib cpp-httplib "single-header ws2_32" build_httplib

# Header-only libraries, installed with their own CMake packages (so find_package works unchanged).
build_header_only() {
  local tree=$1 options=$2
  # shellcheck disable=SC2086
  cmake_cross -S "$tree" -B "$tree/bld" $options
  cmake --install "$tree/bld"
}
build_dep nlohmann-json nlohmann-json3 "-DJSON_BuildTests=OFF -DJSON_Install=ON" build_header_only nlohmann-json3-dev
build_dep tl-expected tl-expected "-DEXPECTED_BUILD_TESTS=OFF -DEXPECTED_BUILD_PACKAGE=OFF" build_header_only libexpected-dev
build_dep cli11 cli11 "-DCLI11_BUILD_TESTS=OFF -DCLI11_BUILD_EXAMPLES=OFF -DCLI11_BUILD_DOCS=OFF -DCLI11_PRECOMPILED=OFF" build_header_only libcli11-dev
build_dep catch2 catch2 "-DCATCH_BUILD_TESTING=OFF -DCATCH_INSTALL_DOCS=OFF -DCATCH_INSTALL_HELPERS=ON" build_header_only catch2

if [ -n "$built" ]; then
  say "built:$built"
else
  say "every dependency was already built"
fi
say "prefix: $prefix"
