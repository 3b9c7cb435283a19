// What tests/support/process.hpp offers on every platform; starting and stopping children is in
// process_posix.cpp and process_win32.cpp.
#include "tests/support/process.hpp"

namespace motcua::test {

std::string describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + " signal " + std::to_string(r.signal) + "\nstdout: " + r.out +
         "\nstderr: " + r.err;
}

std::string agent_exe() { return MOTCUA_AGENT_EXE; }

}  // namespace motcua::test
