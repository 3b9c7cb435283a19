# Every dependency comes from a Debian 12 package; none is vendored.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# SQLite with the session extension: sqlite3.h hides the session API unless both are defined,
# so the definitions travel with the imported target to every user of sqlite3.h.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3>=3.40)
add_library(motcua_sqlite INTERFACE)
target_link_libraries(motcua_sqlite INTERFACE PkgConfig::SQLITE3)
target_compile_definitions(motcua_sqlite INTERFACE SQLITE_ENABLE_SESSION SQLITE_ENABLE_PREUPDATE_HOOK)

pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
find_package(OpenSSL 3.0 REQUIRED)
find_package(tl-expected REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)

# cpp-httplib for the agent's clerk web UI. Debian ships a header plus a shared library; the
# pkg-config file carries the feature defines it was built with, which every includer must share.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
