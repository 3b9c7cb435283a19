# Fails when a shipped Windows executable imports a DLL that a bare Windows 10 does not have, naming
# the executable and the DLL. The usual culprits are the mingw-w64 runtime (libstdc++-6.dll,
# libgcc_s_seh-1.dll, libwinpthread-1.dll) and zlib1.dll, which Wine or a developer's PATH would
# hide: everything else must be linked statically.
#
#   cmake -DOBJDUMP=x86_64-w64-mingw32-objdump "-DFILES=a.exe;b.exe" -P check_dll_imports.cmake
#
# The allowlist: system DLLs present on every Windows 10 and later, each for a known user.
set(allowed
  kernel32.dll   # files, locks (LockFileEx), threads, console control events: everything
  advapi32.dll   # private files' access lists (SetNamedSecurityInfoW, SIDs); OpenSSL's event log
  ws2_32.dll     # sockets: curl, the web UI server (cpp-httplib), SO_EXCLUSIVEADDRUSE
  crypt32.dll    # curl's Schannel backend: certificate stores, the pinned CA (CAINFO); OpenSSL's store
  bcrypt.dll     # random numbers: OpenSSL's RAND seed (BCryptGenRandom) and curl's
  user32.dll     # OpenSSL's fatal-error message box (OPENSSL_showfatal), its window-station check
  shell32.dll    # CommandLineToArgvW: the UTF-16 command line, for Vietnamese arguments
  msvcrt.dll     # the C runtime that mingw-w64 targets, part of every Windows since XP
)
# Not needed today, and so not allowed: secur32.dll (curl loads Schannel's SSPI at run time),
# normaliz.dll (curl's Windows IDN, off), wldap32.dll (LDAP, off), iphlpapi.dll, gdi32.dll, ole32.dll.
if(NOT OBJDUMP OR NOT FILES)
  message(FATAL_ERROR "usage: cmake -DOBJDUMP=<mingw objdump> -DFILES=<exe;...> -P check_dll_imports.cmake")
endif()

set(failures "")
foreach(file IN LISTS FILES)
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "${file} does not exist: build it first")
  endif()
  execute_process(COMMAND ${OBJDUMP} -p "${file}" OUTPUT_VARIABLE dump RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${OBJDUMP} -p ${file} failed (${rc}): is binutils-mingw-w64-x86-64 installed?")
  endif()
  string(REGEX MATCHALL "DLL Name: [^\r\n]+" lines "${dump}")
  set(imported "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^DLL Name: *" "" dll "${line}")
    string(STRIP "${dll}" dll)
    string(TOLOWER "${dll}" dll_lower)
    list(APPEND imported "${dll}")
    # The Universal C runtime's API sets (api-ms-win-crt-*.dll) are part of Windows 10.
    if(dll_lower MATCHES "^api-ms-win-crt-.*\\.dll$" OR dll_lower STREQUAL "ucrtbase.dll")
      continue()
    endif()
    list(FIND allowed "${dll_lower}" found)
    if(found EQUAL -1)
      list(APPEND failures "${file} imports ${dll}, which is not on the allowlist of Windows system DLLs")
    endif()
  endforeach()
  list(JOIN imported ", " imported_text)
  message(STATUS "${file} imports: ${imported_text}")
endforeach()

if(failures)
  list(JOIN failures "\n  " failure_text)
  message(FATAL_ERROR "Windows executables import DLLs that a bare Windows lacks:\n  ${failure_text}\n"
          "Link that library statically (the dependency cache, scripts/windows-deps.sh, builds static "
          "libraries only; the toolchain links with -static), or, if it is a Windows system DLL, add it "
          "to the allowlist in cmake/check_dll_imports.cmake with the reason.")
endif()
