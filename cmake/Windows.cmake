# The Windows cross build (cmake/mingw-w64-x86_64.cmake): what differs from the Linux build beyond
# the dependencies' location. Test executables run under Wine in a prefix of this build tree's own
# (never the user's ~/.wine), headless, through a wrapper that CTest and Catch2's test discovery
# both use as the cross-compiling emulator.
if(CMAKE_CROSSCOMPILING)
  set(MOTCUA_WINE_PREFIX ${PROJECT_BINARY_DIR}/wine-prefix)
  set(MOTCUA_WINE_RUN ${PROJECT_BINARY_DIR}/wine-run.sh)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/wine-run.sh.in ${MOTCUA_WINE_RUN} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MOTCUA_WINE_RUN})
endif()

# Static libraries only (scripts/windows-deps.sh builds nothing else; the mingw-w64 sysroot also
# has zlib1.dll's import library, which must not win).
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(ZLIB_USE_STATIC_LIBS ON)

# The Windows system libraries the platform files call (agent/platform_win32.cpp,
# common/platform_win32.cpp): Winsock for the web UI's socket options, the security API for private
# files' access lists, the shell's command-line splitter for UTF-8 arguments.
add_library(motcua_windows_system INTERFACE)
target_link_libraries(motcua_windows_system INTERFACE ws2_32 advapi32 shell32)
