# CMake toolchain for the 64-bit Windows cross build of the agent (Debian 12's mingw-w64, posix
# threads variant; Wine runs the tests). scripts/windows-deps.sh builds the dependencies into
# MOTCUA_WIN64_PREFIX (default /var/cache/motcua-win64/prefix); scripts/test-windows.sh uses both.
#
#   cmake -S . -B build-win64 -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

# The -posix variants explicitly: std::thread and std::mutex need the winpthreads-based runtime, and
# the alternatives system's default (win32) may differ between machines.
set(MOTCUA_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MOTCUA_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MOTCUA_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${MOTCUA_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${MOTCUA_MINGW_TRIPLET}-ar CACHE FILEPATH "mingw-w64 archiver")
set(CMAKE_RANLIB ${MOTCUA_MINGW_TRIPLET}-ranlib CACHE FILEPATH "mingw-w64 ranlib")
set(CMAKE_OBJDUMP ${MOTCUA_MINGW_TRIPLET}-objdump CACHE FILEPATH "mingw-w64 objdump")
set(CMAKE_STRIP ${MOTCUA_MINGW_TRIPLET}-strip CACHE FILEPATH "mingw-w64 strip")

# The dependency prefix, from the environment or the default cache; try_compile re-reads this file,
# so the value also travels through the environment.
if(NOT MOTCUA_WIN64_PREFIX)
  if(DEFINED ENV{MOTCUA_WIN64_PREFIX})
    set(MOTCUA_WIN64_PREFIX $ENV{MOTCUA_WIN64_PREFIX})
  elseif(DEFINED ENV{MOTCUA_WIN64_CACHE})
    set(MOTCUA_WIN64_PREFIX $ENV{MOTCUA_WIN64_CACHE}/prefix)
  else()
    set(MOTCUA_WIN64_PREFIX /var/cache/motcua-win64/prefix)
  endif()
endif()
set(ENV{MOTCUA_WIN64_PREFIX} ${MOTCUA_WIN64_PREFIX})
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MOTCUA_WIN64_PREFIX)

# Libraries, headers and CMake packages come from the prefix and the mingw-w64 sysroot only, never
# from the build machine's /usr (whose headers and libraries are for Linux).
set(CMAKE_FIND_ROOT_PATH ${MOTCUA_WIN64_PREFIX} /usr/${MOTCUA_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PREFIX_PATH ${MOTCUA_WIN64_PREFIX})

# pkg-config reads the prefix's .pc files only (their paths are absolute).
set(ENV{PKG_CONFIG_LIBDIR} ${MOTCUA_WIN64_PREFIX}/lib/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# One self-contained .exe: no libstdc++-6.dll, libgcc_s_seh-1.dll or libwinpthread-1.dll beside it
# (-static also makes the linker take libz.a rather than zlib1.dll's import library).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
# Vista+ APIs (LockFileEx flags, SetNamedSecurityInfoW, condition variables); Windows 10 is the target.
set(CMAKE_C_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00")
set(CMAKE_CXX_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00")

# Test executables run under Wine; the top-level CMakeLists.txt replaces this with a wrapper that
# gives each build tree its own headless Wine prefix.
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
