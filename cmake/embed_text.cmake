# Generates OUTPUT: a C++ source defining, in namespace NAMESPACE, one function per input file that
# returns the file's bytes as a std::string_view. INPUTS is a |-separated list of NAME=PATH pairs.
# Run at build time (add_custom_command) so that editing an input rebuilds the binary.
string(REPLACE "|" ";" INPUTS "${INPUTS}")
set(body "// Generated from data files at build time; do not edit.\n#include <string_view>\n\nnamespace ${NAMESPACE} {\n\n")
foreach(pair IN LISTS INPUTS)
  string(REGEX MATCH "^[^=]+" fn "${pair}")
  string(REGEX REPLACE "^[^=]+=" "" path "${pair}")
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" hex_len)
  math(EXPR byte_len "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND body "static const char k_${fn}[] = {${bytes} 0};\n")
  string(APPEND body "std::string_view ${fn}() { return std::string_view(k_${fn}, ${byte_len}); }\n\n")
endforeach()
string(APPEND body "}  // namespace ${NAMESPACE}\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
