# Compiler settings shared by every motcua target, as INTERFACE targets.

add_library(motcua_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(motcua_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wformat=2)
  if(MOTCUA_WERROR)
    target_compile_options(motcua_warnings INTERFACE -Werror)
  endif()
endif()

add_library(motcua_sanitizers INTERFACE)
if(MOTCUA_SANITIZE)
  target_compile_options(motcua_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(motcua_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# MOTCUA_FUZZ: coverage for libFuzzer plus ASan and UBSan in every motcua library; UB stops the
# process (no recovery), so the fuzzer records it as a crash. The fuzz executables add -fsanitize=fuzzer.
if(MOTCUA_FUZZ)
  target_compile_options(motcua_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(motcua_sanitizers INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

add_library(motcua_options INTERFACE)
target_link_libraries(motcua_options INTERFACE motcua_warnings motcua_sanitizers)
if(MOTCUA_FAULT_POINTS)
  target_compile_definitions(motcua_options INTERFACE MOTCUA_ENABLE_FAULT_POINTS=1)
endif()
